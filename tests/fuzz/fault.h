/* The fault plan shared by the wrapped module (fault_wrap.c) and the
 * driver (fault_login.c): make the n-th failable call of this thread fail,
 * and let this thread's waits pass in virtual time. All state is per
 * thread, so two logins in two threads do not disturb each other. */
#ifndef MID_FAULT_H
#define MID_FAULT_H

#include <stdbool.h>
#include <stdint.h>

/* Counts failable calls of this thread from now on; the n-th fails
 * (n = 0: none fails, only count). */
void fault_arm(unsigned long n);
/* Counts as fault_arm(0), and fails the first call of this thread named
 * name (a call on FAULT_WRAPPED): for calls made once per process. */
void fault_arm_named(const char *name);
/* Stops counting; later calls of this thread never fail. */
void fault_disarm(void);
/* Failable calls counted since fault_arm. */
unsigned long fault_calls(void);
/* The number of the first network call (curl_easy_init) since
 * fault_arm, 0 if none: calls before it fail before any request. */
unsigned long fault_first_net(void);
/* The call that was made to fail (its name), or NULL. */
const char *fault_hit(void);
/* Where it was called from (a code address in the module). */
void *fault_hit_pc(void);

/* The wrappers ask this: true = fail this call. */
bool fault_fail(const char *what, void *pc);

/* Virtual time for this thread: the module's waits return at once and
 * move this thread's monotonic clock forward instead, so a 1 s poll or a
 * 5 s timeout costs no wall time. Other threads wait for real. */
void fault_virtual_time(bool on);
bool fault_is_virtual(void);
/* Milliseconds this thread's clock is ahead of the real one. */
uint64_t fault_offset_ms(void);
void fault_advance_ms(uint64_t ms);

#endif
