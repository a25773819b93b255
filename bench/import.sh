# Scenario 5 (sourced by bench/run): the roster import of services/ApprenticeshipClasses.
# A fresh Apprenticeship Classes process (own database on the same PostgreSQL, the same cache) so that
# its peak working set (VmHWM) belongs to the imports alone; each run streams IMPORT_ROWS learners
# through ImportEnrolments into a cohort taken to open recruitment (load client `import`), then COPYs
# the same people straight into the same table for a second cohort, and records both rates.
run_import_scenario() {
  local identity_key conn
  identity_key=$(head -c 32 /dev/urandom | base64)
  conn="$PG_CONN;Database=apprenticeshipsdb"
  start apprenticeships "$COHORTS_DIR" "${service_env[@]}" $(endpoints "$C_GRPC" "$C_HTTP") \
    "ConnectionStrings__apprenticeshipsdb=$conn;Max Auto Prepare=32" "ConnectionStrings__cache=127.0.0.1:$CACHE_PORT" \
    "Learners__IdentityKey=$identity_key" dotnet Collaboration.ApprenticeshipClasses.dll
  C_PID=$LAST_PID
  wait_http "http://127.0.0.1:$C_HTTP/health" apprenticeships "$C_PID"
  record s5.rss.idle_mb 1 "$(rss_mb $C_PID)"
  for rep in $(seq 1 $REPS); do
    quiet_machine
    log "scenario 5 ($IMPORT_ROWS rows), run $rep/$REPS"
    lc import --url "http://127.0.0.1:$C_GRPC" --conn "$conn" --key "$KEY" --identity-key "$identity_key" \
      --rows "$IMPORT_ROWS" --seed $((7000 + rep)) $( ((rep % 2 == 0)) && echo --copy-first) >"$LOGS/s5-import.txt" 2>&1 || die "import: $(cat "$LOGS/s5-import.txt")"
    record s5.import.rows_per_s "$rep" "$(field import_rows_per_s "$LOGS/s5-import.txt")"
    record s5.copy.rows_per_s "$rep" "$(field copy_rows_per_s "$LOGS/s5-import.txt")"
    record s5.import.hwm_mb "$rep" "$(hwm_mb $C_PID)"
  done
  NOTES+=("Scenario 5: $IMPORT_ROWS learners per run in one ImportEnrolments client stream (batches of 1,000 rows, a request id, atomic mode) into a cohort of a new college taken to open recruitment; the ceiling is a binary COPY by the load client of the same people (other student numbers) straight into the same enrolments table for a second cohort (same indexes, same HMAC); odd runs import first, even runs COPY first, since the second writer meets a table the first just grew. Peak memory is the service's VmHWM after each run (a fresh process started for this scenario).")
}
