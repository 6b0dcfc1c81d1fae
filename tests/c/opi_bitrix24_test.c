/*
 * Drives the built library through include/opi_bitrix24.h, as a C user would.
 *
 *   opi_bitrix24_test call URL STATUS [TOKEN]   prints the JSON answer; exit 0
 *   opi_bitrix24_test selftest                  checks the calls that need no portal
 *   opi_bitrix24_test repeat N URL STATUS       N calls; prints failures and resident KiB
 *
 * On Linux it is linked with the library. On Windows it loads the DLL at run
 * time with LoadLibrary, as a program choosing between the x64 and x86 DLLs
 * does: the DLL's path is in OPI_BITRIX24_DLL (default opi_bitrix24.dll).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opi_bitrix24.h"

typedef char *(*set_user_status_fn)(const char *, const char *, const char *);
typedef void (*string_free_fn)(char *);
typedef const char *(*version_fn)(void);

#ifdef _WIN32
#include <fcntl.h>
#include <io.h>
#include <windows.h>
#include <psapi.h>

static set_user_status_fn opi_set_user_status;
static string_free_fn opi_free;
static version_fn opi_get_version;

/* Loads the DLL and its three functions; exits 2 if any is missing. */
static void load_library(void) {
    const char *path = getenv("OPI_BITRIX24_DLL");
    HMODULE library = LoadLibraryA(path != NULL ? path : "opi_bitrix24.dll");
    if (library == NULL) {
        fprintf(stderr, "LoadLibrary failed: error %lu\n", GetLastError());
        exit(2);
    }
    /* Through void (*)(void): the cast GCC accepts between unrelated function types. */
    opi_set_user_status = (set_user_status_fn)(void (*)(void))GetProcAddress(library, "opi_bitrix24_set_user_status");
    opi_free = (string_free_fn)(void (*)(void))GetProcAddress(library, "opi_string_free");
    opi_get_version = (version_fn)(void (*)(void))GetProcAddress(library, "opi_version");
    if (opi_set_user_status == NULL || opi_free == NULL || opi_get_version == NULL) {
        fprintf(stderr, "an export is missing from the DLL\n");
        exit(2);
    }
    /* The answers are UTF-8 JSON: no CRLF translation on the way out. */
    _setmode(_fileno(stdout), _O_BINARY);
}

/* Resident memory (the working set) of this process in KiB. */
static long resident_kib(void) {
    PROCESS_MEMORY_COUNTERS counters;
    if (!GetProcessMemoryInfo(GetCurrentProcess(), &counters, sizeof counters)) {
        return 0;
    }
    return (long)(counters.WorkingSetSize / 1024);
}
#else
/* Linked: the header's declarations are checked against these types here. */
static const set_user_status_fn opi_set_user_status = opi_bitrix24_set_user_status;
static const string_free_fn opi_free = opi_string_free;
static const version_fn opi_get_version = opi_version;

static void load_library(void) {}

/* Resident memory of this process in KiB, from /proc/self/statm. */
static long resident_kib(void) {
    long pages = 0, resident = 0;
    FILE *statm = fopen("/proc/self/statm", "r");
    if (statm != NULL) {
        if (fscanf(statm, "%ld %ld", &pages, &resident) != 2) {
            resident = 0;
        }
        fclose(statm);
    }
    return resident * 4;
}
#endif

static int failures = 0;

static void expect(int ok, const char *what, const char *got) {
    if (!ok) {
        fprintf(stderr, "FAILED: %s; got: %s\n", what, got ? got : "(null)");
        failures++;
    }
}

/* Calls the library and checks the answer holds `needle`. */
static void expect_answer(const char *url, const char *status, const char *token, const char *needle) {
    char *answer = opi_set_user_status(url, status, token);
    expect(answer != NULL, "the answer is never NULL", answer);
    if (answer != NULL) {
        expect(strstr(answer, needle) != NULL, needle, answer);
    }
    opi_free(answer);
}

static int selftest(void) {
    const char invalid_utf8[] = {'d', (char)0xff, 'n', 0};
    const char *version = opi_get_version();

    expect(version != NULL && strlen(version) > 0, "opi_version is not empty", version);
    expect_answer(NULL, "dnd", NULL, "\"error_description\":\"url is NULL\"");
    expect_answer("portal.example/rest/1/x/", NULL, NULL, "\"error_description\":\"status is NULL\"");
    expect_answer("portal.example/rest/1/x/", invalid_utf8, NULL, "status is not valid UTF-8");
    expect_answer("portal.example/rest/1/x/", "busy", "", "\"error\":\"OPI_INVALID_ARGUMENT\"");
    expect_answer("portal.example", "dnd", NULL, "not a webhook address");
    expect_answer("", "", "", "\"error\":\"OPI_INVALID_ARGUMENT\"");
    opi_free(NULL);
    if (failures == 0) {
        printf("selftest: 8 passed, 0 failed\n");
    }
    return failures == 0 ? 0 : 1;
}

static int repeat(long count, const char *url, const char *status) {
    long failures = 0;
    for (long i = 0; i < count; i++) {
        char *answer = opi_set_user_status(url, status, NULL);
        if (strstr(answer, "\"result\":true") == NULL) {
            failures++;
        }
        opi_free(answer);
    }
    printf("calls %ld failures %ld resident_kib %ld\n", count, failures, resident_kib());
    return failures == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
    load_library();
    if (argc == 5 && strcmp(argv[1], "repeat") == 0) {
        return repeat(atol(argv[2]), argv[3], argv[4]);
    }
    if (argc == 2 && strcmp(argv[1], "selftest") == 0) {
        return selftest();
    }
    if ((argc == 4 || argc == 5) && strcmp(argv[1], "call") == 0) {
        char *answer = opi_set_user_status(argv[2], argv[3], argc == 5 ? argv[4] : NULL);
        if (answer == NULL) {
            fprintf(stderr, "the library returned NULL\n");
            return 2;
        }
        printf("%s\n", answer);
        opi_free(answer);
        return 0;
    }
    fprintf(stderr, "usage: %s call URL STATUS [TOKEN] | selftest | repeat N URL STATUS\n", argv[0]);
    return 2;
}
