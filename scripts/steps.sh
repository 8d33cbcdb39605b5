# Sourced by the pipeline scripts. `step NAME COMMAND...` runs COMMAND with --output-dir "$output/NAME":
# skipped when NAME finished (it has metrics.json), continued with --resume when it was interrupted.
step() {
  local name=$1; shift
  if [ -f "$output/$name/metrics.json" ]; then echo "== $name: done already"; return; fi
  local resume=()
  [ -d "$output/$name" ] && resume=(--resume)
  echo "== $name ($(date +%T))"
  "$@" --output-dir "$output/$name" --no-progress "${resume[@]}"
}
