// SPDX-License-Identifier: GPL-2.0
/* bench_all_empty.bpf.c: the floor of `latscope track` with every tracker (bench/oltp.sh's
 * `empty` configuration): one empty program for each program the trackers attach (bpf/syscall,
 * wakeup, offcpu, block, irq, net and ttfb.bpf.c), on the same tracepoints, as many on each. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

SEC("tp_btf/block_rq_complete")
int BPF_PROG(empty_block_rq_complete_0)
{
	return 0;
}

SEC("tp_btf/block_rq_insert")
int BPF_PROG(empty_block_rq_insert_0)
{
	return 0;
}

SEC("tp_btf/block_rq_issue")
int BPF_PROG(empty_block_rq_issue_0)
{
	return 0;
}

SEC("tp_btf/block_rq_merge")
int BPF_PROG(empty_block_rq_merge_0)
{
	return 0;
}

SEC("tp_btf/block_rq_requeue")
int BPF_PROG(empty_block_rq_requeue_0)
{
	return 0;
}

SEC("tp_btf/consume_skb")
int BPF_PROG(empty_consume_skb_0)
{
	return 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(empty_inet_sock_set_state_0)
{
	return 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(empty_inet_sock_set_state_1)
{
	return 0;
}

SEC("tp_btf/irq_handler_entry")
int BPF_PROG(empty_irq_handler_entry_0)
{
	return 0;
}

SEC("tp_btf/irq_handler_exit")
int BPF_PROG(empty_irq_handler_exit_0)
{
	return 0;
}

SEC("tp_btf/kfree_skb")
int BPF_PROG(empty_kfree_skb_0)
{
	return 0;
}

SEC("tp_btf/netif_receive_skb")
int BPF_PROG(empty_netif_receive_skb_0)
{
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(empty_sched_process_exit_0)
{
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(empty_sched_switch_0)
{
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(empty_sched_switch_1)
{
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(empty_sched_switch_2)
{
	return 0;
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(empty_sched_wakeup_new_0)
{
	return 0;
}

SEC("tp_btf/sched_waking")
int BPF_PROG(empty_sched_waking_0)
{
	return 0;
}

SEC("tp_btf/sched_waking")
int BPF_PROG(empty_sched_waking_1)
{
	return 0;
}

SEC("tp_btf/skb_copy_datagram_iovec")
int BPF_PROG(empty_skb_copy_datagram_iovec_0)
{
	return 0;
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(empty_sock_send_length_0)
{
	return 0;
}

SEC("tp_btf/softirq_entry")
int BPF_PROG(empty_softirq_entry_0)
{
	return 0;
}

SEC("tp_btf/softirq_exit")
int BPF_PROG(empty_softirq_exit_0)
{
	return 0;
}

SEC("tp_btf/softirq_raise")
int BPF_PROG(empty_softirq_raise_0)
{
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(empty_sys_enter_0)
{
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(empty_sys_exit_0)
{
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_accept")
int empty_sys_exit_accept(void *ctx)
{
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_accept4")
int empty_sys_exit_accept4(void *ctx)
{
	return 0;
}
