/* mid-rusage OUT CMD [ARG...]: runs CMD and writes its getrusage numbers to
 * OUT as "utime_us stime_us maxrss_kib status nvcsw nivcsw": CMD and every
 * descendant it waited for (wait4 of CMD counts those too). A small process of
 * its own: ru_maxrss of a child counts the resident size of the process it was
 * forked from (a Python bench harness is ~20 MiB), so the harness starts this
 * one and this one forks CMD. Exits with CMD's exit code (128+N on signal N).
 */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct rusage ru;
	int status = 0, code;
	pid_t pid;
	FILE *out;

	if (argc < 3) {
		fprintf(stderr, "usage: mid-rusage OUT CMD [ARG...]\n");
		return 2;
	}
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 2;
	}
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		perror(argv[2]);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) < 0) {
		perror("wait4");
		return 2;
	}
	code = WIFEXITED(status)     ? WEXITSTATUS(status)
	       : WIFSIGNALED(status) ? 128 + WTERMSIG(status)
				     : 2;
	out = fopen(argv[1], "w");
	if (!out) {
		perror(argv[1]);
		return 2;
	}
	fprintf(out, "%lld %lld %ld %d %ld %ld\n",
		(long long)ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec,
		(long long)ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec,
		ru.ru_maxrss, code, ru.ru_nvcsw, ru.ru_nivcsw);
	fclose(out);
	return code;
}
