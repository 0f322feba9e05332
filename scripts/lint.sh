#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make lint: the static gates over the C sources -- checkpatch, sparse and
# kernel-doc -- each of which must report nothing.
#
# In:  the *.c and *.h files under vmbkmcl/, include/, kunit/, samples/.
#      The test kernel (scripts/testkernel.sh, built when missing) supplies
#      checkpatch.pl and kernel-doc, and sparse checks against it.
# Out: each tool's findings ("file:line: ...") under a heading, then the
#      line "lint: checkpatch N, sparse N, kernel-doc N"; non-zero exit
#      unless all three are 0.  The findings stay in build/lint/<tool>.txt,
#      sparse's make output in build/lint/sparse.log and its build copy in
#      build/lint/sparse/, so a re-run only rechecks.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
out=$here/build/lint
cd "$here"

"$here/scripts/deps.sh" sparse
kdir=$("$here/scripts/testkernel.sh")

work=$(mktemp -d)
cleanup() { rm -rf "$work"; }
trap cleanup EXIT
mkdir -p "$out"

dirs=()
for d in vmbkmcl include kunit samples; do
	if [ -d "$d" ]; then
		dirs+=("$d")
	fi
done
# The public header (Microsoft's API), and everything else.
mapfile -t headers < <(find include/vmbkmcl -name '*.h' | LC_ALL=C sort)
mapfile -t sources < <(find "${dirs[@]}" -name '*.[ch]' ! -path 'include/vmbkmcl/*' \
	! -name trace.h | LC_ALL=C sort)
# Tracepoint definitions: TRACE_EVENT's own layout.
mapfile -t traces < <(find "${dirs[@]}" -name trace.h | LC_ALL=C sort)
mapfile -t exporters < <(grep -lE '^\s*EXPORT_SYMBOL(_GPL)?(_NS(_GPL)?)?\(' \
	/dev/null "${sources[@]}" | grep '\.c$' || true)

# How many lines of file $1 match $2.
count() { grep -cE "$2" "$1" || true; }

strip_comments() { perl -0777 -pe 's{/\*.*?\*/}{}gs; s{//[^\n]*}{}g' "$@"; }

# --- checkpatch -------------------------------------------------------------
#
# As for a kernel submission: --strict, the default 100 columns, on files
# (--file) outside a kernel tree (--no-tree).  --root names the test kernel
# only so that, as in a kernel tree, the CamelCase names its include/
# declares count as known; it runs from an empty directory, or it would
# take them from this repository's git history instead, and leave its
# cache file here.
checkpatch=("$kdir/scripts/checkpatch.pl" --no-tree --strict --file --terse
	--show-types --no-summary --quiet --color=never --root="$kdir")

# Names the public header typedefs, longest first: checkpatch 0.32 joins
# them into one regex alternation in file order, so VMBPACKET ahead of
# VMBPACKETCOMPLETION would misparse every VMBPACKETCOMPLETION argument.
strip_comments "${headers[@]}" | perl -0777 -ne '
	while (/\btypedef\b((?:[^;{}]|(\{(?:[^{}]|(?2))*\}))*);/g) {
		my $d = $1;
		$d =~ s/\{.*\}//s;
		if ($d =~ /\(\s*\*\s*(\w+)\s*\)/ or $d =~ /(\w+)\s*\(/) {
			print "$1\n";
			next;
		}
		for (split /,/, $d) {
			print "$1\n" if /(\w+)\s*(?:\[[^\]]*\]\s*)*$/;
		}
	}' | LC_ALL=C sort -ru > "$work/kmcl-types"
# Every identifier the public header declares: Microsoft's names.
strip_comments "${headers[@]}" | grep -oE '\b[A-Za-z_][A-Za-z0-9_]*\b' |
	LC_ALL=C sort -u > "$work/kmcl-names"

{
	# The public header is Microsoft's API, which is typedefs (VMBCHANNEL,
	# NTSTATUS, PFN_VMB_*): NEW_TYPEDEFS is off there and only there, and
	# so is LONG_LINE, because a declaration such as
	# "typedef FN_VMB_CLIENT_CHANNEL_INIT_SET_RING_BUFFER_PAGE_COUNT
	# *PFN_VMB_CLIENT_CHANNEL_INIT_SET_RING_BUFFER_PAGE_COUNT;" has no
	# place to break (comments are still held to 100 columns).  The
	# typedefs file tells checkpatch those names are types, so
	# "typedef EVT_X *PFN_X;" is not read as a multiplication.
	(cd "$work" && "${checkpatch[@]}" --ignore NEW_TYPEDEFS,LONG_LINE \
		--typedefsfile "$work/kmcl-types" "${headers[@]/#/$here/}") || true
	# Everything else gets every check.  No typedefs file here:
	# checkpatch 0.32 matches its names anywhere on a line, which would
	# hide new typedefs that merely mention a Windows type.
	if [ ${#sources[@]} -gt 0 ]; then
		(cd "$work" && "${checkpatch[@]}" "${sources[@]/#/$here/}") || true
	fi
	# TRACE_EVENT(name, TP_PROTO(...), ...) is laid out as every header in
	# include/trace/events/ is, which these two checks cannot read.
	if [ ${#traces[@]} -gt 0 ]; then
		(cd "$work" && "${checkpatch[@]}" \
			--ignore PARENTHESIS_ALIGNMENT,OPEN_ENDED_LINE \
			"${traces[@]/#/$here/}") || true
	fi
} 2>&1 | sed "s|^$here/||" > "$work/checkpatch.raw"

# CamelCase is checked, except for the names the public header declares:
# they are Microsoft's (VmbChannelEnable, ProcessPacket, PacketSize), and a
# port needs them spelled as in Windows.  CamelCase of our own is reported.
awk -v names="$work/kmcl-names" -v aside="$out/checkpatch-kmcl-camelcase.txt" '
	BEGIN { while ((getline n < names) > 0) kmcl[n] = 1; printf "" > aside }
	/:CAMELCASE: Avoid CamelCase: </ {
		n = $0; sub(/.*</, "", n); sub(/>.*/, "", n)
		if (n in kmcl) { print > aside; next }
	}
	{ print }' "$work/checkpatch.raw" > "$out/checkpatch.txt"
n_checkpatch=$(count "$out/checkpatch.txt" .)
n_aside=$(count "$out/checkpatch-kmcl-camelcase.txt" .)

# --- sparse -----------------------------------------------------------------
#
# make C=2 in a private copy, as scripts/build-modules.sh builds: C=2 checks
# every file, including those make finds up to date.
copy=$out/sparse
mkdir -p "$copy"
rsync -a --delete --include='*/' --include='*.[ch]' --include=Kbuild \
	--include=VERSION --exclude='*' "$here/Kbuild" "$here/VERSION" \
	"${dirs[@]/#/$here/}" "$copy/"
sparse_rc=0
make -C "$kdir" M="$copy" C=2 CHECK=sparse -j"$(nproc)" modules \
	> "$out/sparse.log" 2>&1 || sparse_rc=$?
# Diagnostics and their continuation lines ("file:line:col:    got int").
awk -v copy="$copy/" '
	/^[^ :]+:[0-9]+(:[0-9]+)?: / {
		if (index($0, copy) == 1)
			$0 = substr($0, length(copy) + 1)
		print
	}' "$out/sparse.log" > "$out/sparse.txt"
if [ "$sparse_rc" -ne 0 ]; then
	echo "lint: error: make C=2 failed ($sparse_rc), so not every file was checked; see build/lint/sparse.log" \
		>> "$out/sparse.txt"
fi
n_sparse=$(count "$out/sparse.txt" ': (warning|error): ')

# --- kernel-doc -------------------------------------------------------------
#
# The public header and every file that exports a symbol.  -Wall where this
# kernel-doc has it (6.3 on); 6.1's has no -W options, and its -v turns on
# the same checks: missing Return: sections and short descriptions, and
# contents before sections.  -v also names each documented symbol, which
# the check that every export is documented uses.
kdoc=$kdir/scripts/kernel-doc
kdoc_flags=(-none -v)
if grep -q 'Wall' "$kdoc"; then
	kdoc_flags+=(-Wall)
fi
kdoc_rc=0
"$kdoc" "${kdoc_flags[@]}" "${headers[@]}" "${exporters[@]}" > "$work/kdoc.log" 2>&1 ||
	kdoc_rc=$?
sed -n 's/.*: info: Scanning doc for [a-z]* \([A-Za-z0-9_]*\).*/\1/p' "$work/kdoc.log" |
	LC_ALL=C sort -u > "$work/documented"
{
	grep -vE ': info: |^[0-9]+ (warnings|errors)$' "$work/kdoc.log" || true
	if [ ${#exporters[@]} -gt 0 ]; then
		grep -nHoE 'EXPORT_SYMBOL(_GPL)?(_NS(_GPL)?)?\(\s*[A-Za-z0-9_]+' "${exporters[@]}" |
			awk -F: -v documented="$work/documented" '
				BEGIN { while ((getline n < documented) > 0) doc[n] = 1 }
				{
					n = $3; sub(/.*\([ \t]*/, "", n)
					if (!(n in doc))
						printf "%s:%s: warning: exported %s has no kernel-doc comment\n", $1, $2, n
				}'
	fi
	# With -none it exits 0 whatever it found, unless it broke.
	if [ "$kdoc_rc" -ne 0 ]; then
		echo "lint: error: kernel-doc failed ($kdoc_rc)"
	fi
} > "$out/kernel-doc.txt"
n_kdoc=$(count "$out/kernel-doc.txt" ': (warning|error): ')

# --- report -----------------------------------------------------------------
show() {
	echo "== $1"
	if [ -s "$2" ]; then
		cat "$2"
	else
		echo "(nothing)"
	fi
	echo
}
show "checkpatch --strict --no-tree ($n_aside CamelCase reports of KMCL names set aside: build/lint/checkpatch-kmcl-camelcase.txt)" \
	"$out/checkpatch.txt"
show "sparse (make C=2 against $kdir)" "$out/sparse.txt"
show "kernel-doc ${kdoc_flags[*]}, and every export documented" "$out/kernel-doc.txt"
echo "lint: checkpatch $n_checkpatch, sparse $n_sparse, kernel-doc $n_kdoc"
[ "$n_checkpatch" -eq 0 ] && [ "$n_sparse" -eq 0 ] && [ "$n_kdoc" -eq 0 ]
