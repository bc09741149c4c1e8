/* The error codes' words, next to the codes (mid.h). */
#include "mid.h"

const char *mid_strerror(int err)
{
	switch (err) {
	case MID_OK: return "ok";
	case MID_E_NOMEM: return "out of memory";
	case MID_E_CONFIG: return "bad configuration";
	case MID_E_UNREACHABLE: return "provider unreachable";
	case MID_E_TLS: return "TLS verification failed";
	case MID_E_PROTOCOL: return "bad reply from provider";
	case MID_E_DENIED: return "denied";
	case MID_E_FAILED: return "order failed";
	case MID_E_MISMATCH: return "identity mismatch";
	case MID_E_TIMEOUT: return "timed out";
	case MID_E_INTERRUPTED: return "interrupted";
	case MID_E_CONV: return "conversation failed";
	case MID_E_SERVER: return "provider error";
	case MID_E_UNMAPPED: return "no mapping";
	case MID_E_LOCAL: return "local failure";
	case MID_E_MAXTRIES: return "too many requests";
	case MID_E_BUSY: return "busy";
	case MID_E_NOSIGN: return "cannot sign";
	case MID_E_AUDIT: return "audit record failed";
	case MID_E_TOOLONG: return "command too long to sign";
	default: return "internal error";
	}
}
