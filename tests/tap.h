/* tap.h: a minimal TAP producer for latscope's C unit tests (run by prove). */
#ifndef LATSCOPE_TESTS_TAP_H
#define LATSCOPE_TESTS_TAP_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_test_count;
static int tap_fail_count;

static inline void tap_plan(int count)
{
	printf("1..%d\n", count);
	fflush(stdout);
}

static inline int tap_ok_at(int is_ok, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static inline int tap_ok_at(int is_ok, const char *file, int line, const char *fmt, ...)
{
	va_list args;

	tap_test_count++;
	if (!is_ok) {
		tap_fail_count++;
	}
	printf("%sok %d - ", is_ok ? "" : "not ", tap_test_count);
	va_start(args, fmt);
	vprintf(fmt, args);
	va_end(args);
	printf("\n");
	if (!is_ok) {
		printf("#   Failed test at %s line %d.\n", file, line);
	}
	fflush(stdout);
	return is_ok;
}

static inline void tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline void tap_diag(const char *fmt, ...)
{
	va_list args;

	printf("# ");
	va_start(args, fmt);
	vprintf(fmt, args);
	va_end(args);
	printf("\n");
	fflush(stdout);
}

/* Ends the test: prints the plan if none was given, returns the exit status. */
static inline int tap_done(void)
{
	if (tap_test_count == 0) {
		printf("1..0 # SKIP no tests ran\n");
	}
	fflush(stdout);
	return tap_fail_count ? 1 : 0;
}

static inline int tap_done_testing(void)
{
	printf("1..%d\n", tap_test_count);
	return tap_done();
}

#define ok(cond, ...) tap_ok_at(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

#define is_int(got, expected, ...)                              \
	do {                                                    \
		long long tap_got_ = (long long)(got);          \
		long long tap_exp_ = (long long)(expected);     \
		if (!ok(tap_got_ == tap_exp_, __VA_ARGS__)) {   \
			tap_diag("  got: %lld", tap_got_);      \
			tap_diag("  expected: %lld", tap_exp_); \
		}                                               \
	} while (0)

#define is_str(got, expected, ...)                                                       \
	do {                                                                             \
		const char *tap_got_ = (got);                                            \
		const char *tap_exp_ = (expected);                                       \
		int tap_same_ = (tap_got_ && tap_exp_) ? strcmp(tap_got_, tap_exp_) == 0 \
						       : tap_got_ == tap_exp_;           \
		if (!ok(tap_same_, __VA_ARGS__)) {                                       \
			tap_diag("  got: '%s'", tap_got_ ? tap_got_ : "(null)");         \
			tap_diag("  expected: '%s'", tap_exp_ ? tap_exp_ : "(null)");    \
		}                                                                        \
	} while (0)

#define skip(count, ...)                                           \
	do {                                                       \
		for (int tap_i_ = 0; tap_i_ < (count); tap_i_++) { \
			tap_test_count++;                          \
			printf("ok %d # SKIP ", tap_test_count);   \
			printf(__VA_ARGS__);                       \
			printf("\n");                              \
		}                                                  \
	} while (0)

#endif /* LATSCOPE_TESTS_TAP_H */
