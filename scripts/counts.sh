# Sourced by scripts/test.sh and scripts/sanitize.sh: adds the counts of a step's closing line.
add_counts() {  # reads "N passed, M failed, K skipped" from the last such line of $1
  local line
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$1" | tail -n 1)
  if [ -z "$line" ]; then
    failed=$((failed + 1))
    return 1
  fi
  read -r p _ f _ s _ <<<"${line//,/}"
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
}

add_catch2_counts() {  # adds the test cases of a Catch2 binary's output $1; 1 unless all passed
  local n tc p f
  if grep -q "All tests passed" "$1"; then
    n=$(sed -nE 's/.*All tests passed \([0-9]+ assertions? in ([0-9]+) test cases?\).*/\1/p' "$1" | tail -n 1)
    passed=$((passed + ${n:-0}))
    return 0
  fi
  tc=$(grep -E '^test cases:' "$1" | tail -n 1)
  p=$(sed -nE 's/.*\| *([0-9]+) passed.*/\1/p' <<<"$tc"); f=$(sed -nE 's/.*\| *([0-9]+) failed.*/\1/p' <<<"$tc")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-1}))
  return 1
}
