# SPDX-License-Identifier: GPL-2.0
#
# vmbkmcl: the VMBus Kernel Mode Client Library on Linux.
#
#   make [modules]     build vmbkmcl.ko against KDIR (the running kernel)
#   make check         build a test kernel, run every KUnit suite in QEMU
#   make check-debug   the same suites on a KASAN/UBSAN/lockdep/kmemleak kernel
#   make check-6.12    the same suites on a test kernel from linux-source-6.12
#   make bench         vmbkmcl vs native and a fair baseline, in insns and ns (not in check)
#   make bench-prof    one bench case's instructions per function (CASE=rx-64B-b256-inline)
#   make compat        build against Debian's stock 6.1 and 6.12 headers
#   make demo          boot the demo in QEMU
#   make lint          checkpatch, sparse, kernel-doc; each must report nothing
#   make docs          Documentation/ and the API reference, warnings fatal
#   make dkms-install  add to DKMS, build and install for KVER (running kernel)
#   make dkms-remove   take every vmbkmcl version out of DKMS and /usr/src
#   make dkms-check    CI: DKMS build for the stock 6.1 and 6.12 headers
#   make clean
#
# Builds other than `make modules` happen in copies under build/, so the
# source tree never holds objects built against a different kernel.

KDIR ?= /lib/modules/$(shell uname -r)/build
KVER ?= $(shell uname -r)

.DELETE_ON_ERROR:
.PHONY: all modules check check-debug check-6.12 bench bench-prof compat demo docs lint dkms-install dkms-remove dkms-check clean

all: modules

modules:
	@test -d "$(KDIR)" || { echo "no kernel tree at $(KDIR): install its headers or set KDIR=" >&2; exit 1; }
	scripts/build-modules.sh "$(KDIR)" "$(CURDIR)/build/modules"

check:
	@scripts/check.sh

check-debug:
	@scripts/check.sh --debug

check-6.12:
	@scripts/check.sh --source 6.12

bench:
	@scripts/bench.sh

bench-prof:
	@scripts/bench-prof.sh

compat:
	@scripts/compat.sh

demo:
	@scripts/demo.sh

lint:
	@scripts/lint.sh

docs:
	@scripts/docs.sh

# The version lives in VERSION; dkms-add.sh prints the name/version it added.
dkms-install:
	@module=$$(scripts/dkms-add.sh) && dkms install "$$module" -k "$(KVER)"

dkms-remove:
	@scripts/dkms-remove.sh

dkms-check:
	@scripts/dkms-check.sh

clean:
	rm -rf build
