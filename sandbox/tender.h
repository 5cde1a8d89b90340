/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tender.h - what a supervisor (rampart-ctrl) needs to know of
 * rampart-tender's ways: its exit status when it refused to start a tenant
 * (a tenant's own status is whatever it passed to solo5_exit; a forbidden
 * system call ends it with SIGSYS).
 */
#ifndef RAMPART_SANDBOX_TENDER_H
#define RAMPART_SANDBOX_TENDER_H

#define TENDER_EXIT_SETUP 125 /* bad arguments, image or devices: nothing ran */

#endif /* RAMPART_SANDBOX_TENDER_H */
