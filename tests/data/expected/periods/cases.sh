# cases.sh: the period conformance cases, sourced by scripts/gen-expected-periods.sh (which runs
# the peer, lttng-period*, on them) and tests/traces/periods.t (which runs latscope and compares).
# Each case_NAME sets VIEW (log, stats, top, freq), SCEN (a make_period_trace.py scenario),
# FIX (1: the peer needs its child-period parse bug fixed, see the script), TEXT (0: compare the
# LAMI output only: the peer's text is wrong there, docs/periods.md) and ARGS.

# The WordPress request of the LinuxCon 2016 demo (seed-systems.md section 4), as written there.
REQ='request : $evt.$name == "syscall_exit_accept4" && $evt.procname == "apache2" : $evt.pid == $begin.$evt.pid && $evt.$name == "syscall_entry_close" && $evt.fd == $begin.$evt.ret'
REQ_CAP='request : worker_pid = $evt.pid, client_skt_fd = $evt.ret'
URL='url_rewrite (request) : $evt.pid == $parent.$begin.$evt.pid && $evt.$name == "syscall_exit_accept4" : $evt.pid == $parent.$begin.$evt.pid && $evt.$name == "syscall_exit_open"'
BDB='before_db_connect (request) : $evt.pid == $parent.$begin.$evt.pid && $evt.$name == "syscall_exit_open" : $evt.pid == $parent.$begin.$evt.pid && $evt.$name == "syscall_entry_connect" && $evt.dport == 3306'
DBQ='db_queries (request) : $evt.pid == $parent.$begin.$evt.pid && $evt.$name == "syscall_entry_connect" && $evt.dport == 3306 : $evt.pid == $parent.$begin.$evt.pid && $evt.$name == "syscall_entry_close" && $evt.fd == $begin.$evt.fd'
REN='rendering (request) : $evt.pid == $parent.$begin.$evt.pid && $evt.$name == "syscall_exit_close" : $evt.pid == $parent.$begin.$evt.pid && $evt.$name == "syscall_entry_writev" && $evt.fd == $parent.$begin.$evt.ret'
JOB='job : $evt.$name == "latscope_test:job_start" : $evt.$name == "latscope_test:job_end" && $evt.id == $begin.$evt.id'
MULTI='multi : $evt.$name =* "job_st*" : $evt.$name == "job_end" && $evt.id == $begin.$evt.id && $evt.label != "x"'
MULTI_CAP='multi : l = $evt.label, $evt.neg : st = $evt.status, $begin.$evt.$name'
CPU0='cpu0 : $evt.$name == "job_step" && $evt.$pkt_ctx.cpu_id == 0 && $evt.id >= 2.5 : $evt.$name == "job_end" && $evt.id == $begin.$evt.id'

CASES="wp_log wp_log_nocap wp_stats wp_top wp_freq wp_children_log wp_children_hier
wp_children_top wp_children_stats wp_minmax_log wp_minmax_stats wp_range values_log values_cpu
ust_top ust_stats"

COMMON=(--skip-validation --gmt)
case_wp_log() { VIEW=log SCEN=wordpress FIX=0 TEXT=1 ARGS=(--period "$REQ" --period-captures "$REQ_CAP"); }
case_wp_log_nocap() { VIEW=log SCEN=wordpress FIX=0 TEXT=1 ARGS=(--period "$REQ"); }
case_wp_stats() { VIEW=stats SCEN=wordpress FIX=0 TEXT=1 ARGS=(--period "$REQ"); }
case_wp_top() { VIEW=top SCEN=wordpress FIX=0 TEXT=1 ARGS=(--period "$REQ" --period-captures "$REQ_CAP" --limit 3); }
case_wp_freq() { VIEW=freq SCEN=wordpress FIX=0 TEXT=1 ARGS=(--period "$REQ" --freq-resolution 10); }
case_wp_children_log() { VIEW=log SCEN=wordpress FIX=1 TEXT=1 ARGS=(--period "$REQ" --period-captures "$REQ_CAP" --period "$URL" --period "$BDB" --period "$DBQ" --period "$REN"); }
case_wp_children_hier() { VIEW=log SCEN=wordpress FIX=1 TEXT=1 ARGS=(--period "$REQ" --period-captures "$REQ_CAP" --period "$URL" --period "$BDB" --period "$DBQ" --period "$REN" --order-by hierarchy); }
case_wp_children_top() { VIEW=top SCEN=wordpress FIX=1 TEXT=1 ARGS=(--period "$REQ" --period "$URL" --period "$BDB" --period "$DBQ" --period "$REN" --limit 5); }
case_wp_children_stats() { VIEW=stats SCEN=wordpress FIX=1 TEXT=0 ARGS=(--period "$REQ" --period "$URL" --period "$BDB" --period "$DBQ" --period "$REN"); }
case_wp_minmax_log() { VIEW=log SCEN=wordpress FIX=0 TEXT=1 ARGS=(--period "$REQ" --min-duration 6500 --max-duration 200000); }
case_wp_minmax_stats() { VIEW=stats SCEN=wordpress FIX=0 TEXT=1 ARGS=(--period "$REQ" --min-duration 6500 --max-duration 200000); }
case_wp_range() { VIEW=log SCEN=wordpress FIX=0 TEXT=1 ARGS=(--period "$REQ" --begin 02:40:00.100000000 --end 02:40:00.690000000); }
case_values_log() { VIEW=log SCEN=values FIX=0 TEXT=1 ARGS=(--period "$MULTI" --period-captures "$MULTI_CAP"); }
case_values_cpu() { VIEW=log SCEN=values FIX=0 TEXT=1 ARGS=(--period "$CPU0"); }
case_ust_top() { VIEW=top SCEN=ust FIX=0 TEXT=1 ARGS=(--period "$JOB" --period-captures 'job : id = $evt.id' --limit 3); }
case_ust_stats() { VIEW=stats SCEN=ust FIX=0 TEXT=1 ARGS=(--period "$JOB"); }
case_wp_children_min_stats() { VIEW=stats SCEN=wordpress FIX=1 TEXT=0 ARGS=(--period "$REQ" --period "$URL" --period "$BDB" --period "$DBQ" --period "$REN" --min-duration 1000); }
CASES="$CASES wp_children_min_stats"
case_wp_children_freq() { VIEW=freq SCEN=wordpress FIX=1 TEXT=0 ARGS=(--period "$REQ" --period "$URL" --period "$BDB" --period "$DBQ" --period "$REN"); }
case_wp_children_freq_min() { VIEW=freq SCEN=wordpress FIX=1 TEXT=0 ARGS=(--period "$REQ" --period "$URL" --period "$BDB" --period "$DBQ" --period "$REN" --min-duration 1000 --freq-resolution 7 --stats); }
CASES="$CASES wp_children_freq wp_children_freq_min"
DBQ_CAP='db_queries : dbfd = $evt.fd'
case_wp_group_stats() { VIEW=stats SCEN=wordpress FIX=0 TEXT=1 ARGS=(--period "$REQ" --period-captures "$REQ_CAP" --group-by request.worker_pid); }
case_wp_group_freq() { VIEW=freq SCEN=wordpress FIX=0 TEXT=1 ARGS=(--period "$REQ" --period-captures "$REQ_CAP" --group-by 'request.worker_pid, request.client_skt_fd'); }
case_wp_children_group_stats() { VIEW=stats SCEN=wordpress FIX=1 TEXT=0 ARGS=(--period "$REQ" --period-captures "$REQ_CAP" --period "$URL" --period "$BDB" --period "$DBQ" --period "$REN" --period-captures "$DBQ_CAP" --group-by 'db_queries.dbfd, request.worker_pid'); }
case_wp_children_group_freq() { VIEW=freq SCEN=wordpress FIX=1 TEXT=0 ARGS=(--period "$REQ" --period-captures "$REQ_CAP" --period "$URL" --period "$BDB" --period "$DBQ" --period "$REN" --group-by request.worker_pid --min-duration 1000); }
CASES="$CASES wp_group_stats wp_group_freq wp_children_group_stats wp_children_group_freq"
case_wp_select_agg_log() { VIEW=log SCEN=wordpress FIX=1 TEXT=1 ARGS=(--period "$REQ" --period-captures "$REQ_CAP" --period "$URL" --period "$BDB" --period "$DBQ" --period "$REN" --select db_queries,rendering --aggregate-by request); }
case_wp_select_top() { VIEW=top SCEN=wordpress FIX=1 TEXT=1 ARGS=(--period "$REQ" --period "$URL" --period "$BDB" --period "$DBQ" --period "$REN" --select 'rendering, url_rewrite' --limit 4); }
case_wp_select_stats() { VIEW=stats SCEN=wordpress FIX=1 TEXT=0 ARGS=(--period "$REQ" --period "$URL" --period "$BDB" --period "$DBQ" --period "$REN" --select db_queries --aggregate-by request --min-duration 2000); }
case_wp_select_freq() { VIEW=freq SCEN=wordpress FIX=1 TEXT=0 ARGS=(--period "$REQ" --period "$URL" --period "$BDB" --period "$DBQ" --period "$REN" --select db_queries,rendering --aggregate-by request); }
CASES="$CASES wp_select_agg_log wp_select_top wp_select_stats wp_select_freq"
# --freq-uniform and --freq-series (which implies it): the peer's running bounds per category
DBC='dbconn : $evt.$name == "syscall_entry_connect" && $evt.dport == 3306 : $evt.$name == "syscall_entry_close" && $evt.pid == $begin.$evt.pid && $evt.fd == $begin.$evt.fd'
case_wp_freq_uniform() { VIEW=freq SCEN=wordpress FIX=0 TEXT=1 ARGS=(--period "$REQ" --period "$DBC" --freq-uniform --freq-resolution 8); }
case_wp_group_series() { VIEW=freq SCEN=wordpress FIX=0 TEXT=1 ARGS=(--period "$REQ" --period-captures "$REQ_CAP" --period "$DBC" --group-by request.worker_pid --freq-series --freq-resolution 5); }
case_wp_children_freq_uniform() { VIEW=freq SCEN=wordpress FIX=1 TEXT=0 ARGS=(--period "$REQ" --period "$URL" --period "$BDB" --period "$DBQ" --period "$REN" --freq-uniform --stats); }
case_wp_children_group_series() { VIEW=freq SCEN=wordpress FIX=1 TEXT=0 ARGS=(--period "$REQ" --period-captures "$REQ_CAP" --period "$URL" --period "$BDB" --period "$DBQ" --period "$REN" --group-by request.worker_pid --freq-series --min-duration 1000); }
case_wp_select_freq_uniform() { VIEW=freq SCEN=wordpress FIX=1 TEXT=0 ARGS=(--period "$REQ" --period "$URL" --period "$BDB" --period "$DBQ" --period "$REN" --select db_queries,rendering --aggregate-by request --freq-uniform --freq-resolution 6); }
CASES="$CASES wp_freq_uniform wp_group_series wp_children_freq_uniform wp_children_group_series wp_select_freq_uniform"
