/* libmidfault: the per-thread fault plan (see fault.h). A shared library
 * so that the module, which libpam loads and unloads per handle, and the
 * driver see the same state. */
#include "fault.h"

#include <stddef.h>
#include <string.h>

struct plan {
	bool armed;
	unsigned long n, calls, first_net;
	const char *named; /* fail the first call of this name */
	const char *hit;
	void *pc;
	bool virt;
	uint64_t offset_ms;
};

static _Thread_local struct plan t;

void fault_arm(unsigned long n)
{
	t.armed = true;
	t.n = n;
	t.calls = 0;
	t.first_net = 0;
	t.named = NULL;
	t.hit = NULL;
	t.pc = NULL;
}

void fault_arm_named(const char *name)
{
	fault_arm(0);
	t.named = name;
}

void fault_disarm(void) { t.armed = false; }

unsigned long fault_calls(void) { return t.calls; }

unsigned long fault_first_net(void) { return t.first_net; }

const char *fault_hit(void) { return t.hit; }

void *fault_hit_pc(void) { return t.pc; }

bool fault_fail(const char *what, void *pc)
{
	if (!t.armed)
		return false;
	++t.calls;
	if (!t.first_net && !strcmp(what, "curl_easy_init"))
		t.first_net = t.calls;
	if (t.named ? t.hit || strcmp(what, t.named) != 0 : t.calls != t.n)
		return false;
	t.hit = what;
	t.pc = pc;
	return true;
}

void fault_virtual_time(bool on) { t.virt = on; }

bool fault_is_virtual(void) { return t.virt; }

uint64_t fault_offset_ms(void) { return t.offset_ms; }

void fault_advance_ms(uint64_t ms) { t.offset_ms += ms; }
