/*
 * Drives the built library through include/opi_bitrix24.h, as a C user would.
 *
 *   opi_bitrix24_test call URL STATUS [TOKEN]   prints the JSON answer; exit 0
 *   opi_bitrix24_test invoke FUNCTION ARG...    any function of the header by its name without
 *                                               the opi_bitrix24_ prefix (call, get_user_status,
 *                                               get_token, refresh_token, get_token_to_file,
 *                                               refresh_token_to_file, set_user_status, batch,
 *                                               get_list, get_list_to_file, function,
 *                                               parse_event, configure), with its arguments;
 *                                               "(null)" passes NULL, and a bool is "true" or "false"
 *   opi_bitrix24_test configure SETTINGS FUNCTION ARG...
 *                                               opi_bitrix24_configure(SETTINGS), then FUNCTION as
 *                                               invoke calls it: both answers, a line each
 *   opi_bitrix24_test selftest                  checks the calls that need no portal
 *   opi_bitrix24_test repeat N URL STATUS       N calls; prints failures and resident KiB
 *   opi_bitrix24_test repeat-invoke N FUNCTION ARG...
 *                                               N calls as invoke makes them; prints failures
 *
 * On Linux it is linked with the library. On Windows it loads the DLL at run
 * time with LoadLibrary, as a program choosing between the x64 and x86 DLLs
 * does: the DLL's path is in OPI_BITRIX24_DLL (default opi_bitrix24.dll).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opi_bitrix24.h"

typedef char *(*set_user_status_fn)(const char *, const char *, const char *);
typedef char *(*call_fn)(const char *, const char *, const char *, const char *);
typedef char *(*two_fn)(const char *, const char *);
typedef char *(*three_fn)(const char *, const char *, const char *);
typedef char *(*batch_fn)(const char *, const char *, bool, const char *);
typedef char *(*get_list_fn)(const char *, const char *, const char *, const char *, bool);
typedef char *(*get_list_to_file_fn)(const char *, const char *, const char *, const char *, bool, const char *);
typedef char *(*parse_event_fn)(const char *, const char *, bool);
typedef char *(*one_fn)(const char *);
typedef void (*string_free_fn)(char *);
typedef const char *(*version_fn)(void);

#ifdef _WIN32
#include <fcntl.h>
#include <io.h>
#include <windows.h>
#include <psapi.h>

static set_user_status_fn opi_set_user_status;
static call_fn opi_call;
static two_fn opi_get_user_status;
static three_fn opi_get_token;
static three_fn opi_refresh_token;
static call_fn opi_get_token_to_file;
static call_fn opi_refresh_token_to_file;
static batch_fn opi_batch;
static get_list_fn opi_get_list;
static get_list_to_file_fn opi_get_list_to_file;
static two_fn opi_function;
static parse_event_fn opi_parse_event;
static one_fn opi_configure;
static string_free_fn opi_free;
static version_fn opi_get_version;

/* Loads the DLL and its functions; exits 2 if any is missing. */
static void load_library(void) {
    const char *path = getenv("OPI_BITRIX24_DLL");
    HMODULE library = LoadLibraryA(path != NULL ? path : "opi_bitrix24.dll");
    if (library == NULL) {
        fprintf(stderr, "LoadLibrary failed: error %lu\n", GetLastError());
        exit(2);
    }
    /* Through void (*)(void): the cast GCC accepts between unrelated function types. */
    opi_set_user_status = (set_user_status_fn)(void (*)(void))GetProcAddress(library, "opi_bitrix24_set_user_status");
    opi_call = (call_fn)(void (*)(void))GetProcAddress(library, "opi_bitrix24_call");
    opi_get_user_status = (two_fn)(void (*)(void))GetProcAddress(library, "opi_bitrix24_get_user_status");
    opi_get_token = (three_fn)(void (*)(void))GetProcAddress(library, "opi_bitrix24_get_token");
    opi_refresh_token = (three_fn)(void (*)(void))GetProcAddress(library, "opi_bitrix24_refresh_token");
    opi_get_token_to_file = (call_fn)(void (*)(void))GetProcAddress(library, "opi_bitrix24_get_token_to_file");
    opi_refresh_token_to_file =
        (call_fn)(void (*)(void))GetProcAddress(library, "opi_bitrix24_refresh_token_to_file");
    opi_batch = (batch_fn)(void (*)(void))GetProcAddress(library, "opi_bitrix24_batch");
    opi_get_list = (get_list_fn)(void (*)(void))GetProcAddress(library, "opi_bitrix24_get_list");
    opi_get_list_to_file =
        (get_list_to_file_fn)(void (*)(void))GetProcAddress(library, "opi_bitrix24_get_list_to_file");
    opi_function = (two_fn)(void (*)(void))GetProcAddress(library, "opi_bitrix24_function");
    opi_parse_event = (parse_event_fn)(void (*)(void))GetProcAddress(library, "opi_bitrix24_parse_event");
    opi_configure = (one_fn)(void (*)(void))GetProcAddress(library, "opi_bitrix24_configure");
    opi_free = (string_free_fn)(void (*)(void))GetProcAddress(library, "opi_string_free");
    opi_get_version = (version_fn)(void (*)(void))GetProcAddress(library, "opi_version");
    if (opi_set_user_status == NULL || opi_call == NULL || opi_get_user_status == NULL || opi_get_token == NULL ||
        opi_refresh_token == NULL || opi_get_token_to_file == NULL || opi_refresh_token_to_file == NULL ||
        opi_batch == NULL || opi_get_list == NULL || opi_get_list_to_file == NULL || opi_function == NULL ||
        opi_parse_event == NULL || opi_configure == NULL || opi_free == NULL || opi_get_version == NULL) {
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
static const call_fn opi_call = opi_bitrix24_call;
static const two_fn opi_get_user_status = opi_bitrix24_get_user_status;
static const three_fn opi_get_token = opi_bitrix24_get_token;
static const three_fn opi_refresh_token = opi_bitrix24_refresh_token;
static const call_fn opi_get_token_to_file = opi_bitrix24_get_token_to_file;
static const call_fn opi_refresh_token_to_file = opi_bitrix24_refresh_token_to_file;
static const batch_fn opi_batch = opi_bitrix24_batch;
static const get_list_fn opi_get_list = opi_bitrix24_get_list;
static const get_list_to_file_fn opi_get_list_to_file = opi_bitrix24_get_list_to_file;
static const two_fn opi_function = opi_bitrix24_function;
static const parse_event_fn opi_parse_event = opi_bitrix24_parse_event;
static const one_fn opi_configure = opi_bitrix24_configure;
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

/* Checks an answer of the library holds `needle`, and frees it. */
static void expect_holds(char *answer, const char *needle) {
    expect(answer != NULL, "the answer is never NULL", answer);
    if (answer != NULL) {
        expect(strstr(answer, needle) != NULL, needle, answer);
    }
    opi_free(answer);
}

/* Sets a status and checks the answer holds `needle`. */
static void expect_answer(const char *url, const char *status, const char *token, const char *needle) {
    expect_holds(opi_set_user_status(url, status, token), needle);
}

static int selftest(void) {
    const char invalid_utf8[] = {'d', (char)0xff, 'n', 0};
    const char *version = opi_get_version();

    expect(version != NULL && strlen(version) > 0, "opi_version is not empty", version);
    char from_macros[64];
    snprintf(from_macros, sizeof from_macros, "%d.%d.%d", OPI_BITRIX24_VERSION_MAJOR, OPI_BITRIX24_VERSION_MINOR,
             OPI_BITRIX24_VERSION_PATCH);
    expect(strcmp(OPI_BITRIX24_VERSION, version) == 0, "OPI_BITRIX24_VERSION is opi_version()", version);
    expect(strcmp(from_macros, version) == 0, "MAJOR.MINOR.PATCH is opi_version()", from_macros);
    expect_answer(NULL, "dnd", NULL, "\"error_description\":\"url is NULL\"");
    expect_answer("portal.example/rest/1/x/", NULL, NULL, "\"error_description\":\"status is NULL\"");
    expect_answer("portal.example/rest/1/x/", invalid_utf8, NULL, "status is not valid UTF-8");
    expect_answer("portal.example/rest/1/x/", "busy", "", "\"error\":\"OPI_INVALID_ARGUMENT\"");
    expect_answer("portal.example", "dnd", NULL, "not a webhook address");
    expect_answer("", "", "", "\"error\":\"OPI_INVALID_ARGUMENT\"");
    expect_holds(opi_call(NULL, "server.time", NULL, NULL), "\"error_description\":\"url is NULL\"");
    expect_holds(opi_call("portal.example/rest/1/x/", NULL, NULL, NULL), "\"error_description\":\"method is NULL\"");
    expect_holds(opi_call("portal.example/rest/1/x/", "../profile", NULL, NULL), "'/' at byte 2");
    expect_holds(opi_call("portal.example/rest/1/x/", "server.time", "[1]", NULL), "must be a JSON object");
    expect_holds(opi_call("portal.example/rest/1/x/", "server.time", invalid_utf8, NULL), "params_json is not valid UTF-8");
    expect_holds(opi_get_user_status(NULL, NULL), "\"error_description\":\"url is NULL\"");
    expect_holds(opi_get_token(NULL, "secret", "code"), "\"error_description\":\"client_id is NULL\"");
    expect_holds(opi_refresh_token("id", "secret", NULL), "\"error_description\":\"refresh is NULL\"");
    expect_holds(opi_refresh_token("id", "s3cr\x01t", "r"), "ClientSecret contains a space or control character");
    opi_free(NULL);
    if (failures == 0) {
        printf("selftest: 19 passed, 0 failed\n");
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

/* argv[i], or NULL for the word "(null)". */
static const char *argument(char **argv, int i) { return strcmp(argv[i], "(null)") == 0 ? NULL : argv[i]; }

/* Calls the function named `name` with the arguments; NULL for an unknown name or count. */
static char *invoke(const char *name, int count, char **args) {
#define ARG(i) argument(args, i)
    if (strcmp(name, "call") == 0 && count == 4) {
        return opi_call(ARG(0), ARG(1), ARG(2), ARG(3));
    }
    if (strcmp(name, "set_user_status") == 0 && count == 3) {
        return opi_set_user_status(ARG(0), ARG(1), ARG(2));
    }
    if (strcmp(name, "get_user_status") == 0 && count == 2) {
        return opi_get_user_status(ARG(0), ARG(1));
    }
    if (strcmp(name, "get_token") == 0 && count == 3) {
        return opi_get_token(ARG(0), ARG(1), ARG(2));
    }
    if (strcmp(name, "refresh_token") == 0 && count == 3) {
        return opi_refresh_token(ARG(0), ARG(1), ARG(2));
    }
    if (strcmp(name, "get_token_to_file") == 0 && count == 4) {
        return opi_get_token_to_file(ARG(0), ARG(1), ARG(2), ARG(3));
    }
    if (strcmp(name, "refresh_token_to_file") == 0 && count == 4) {
        return opi_refresh_token_to_file(ARG(0), ARG(1), ARG(2), ARG(3));
    }
    if (strcmp(name, "batch") == 0 && count == 4) {
        return opi_batch(ARG(0), ARG(1), strcmp(args[2], "true") == 0, ARG(3));
    }
    if (strcmp(name, "get_list") == 0 && count == 5) {
        return opi_get_list(ARG(0), ARG(1), ARG(2), ARG(3), strcmp(args[4], "true") == 0);
    }
    if (strcmp(name, "get_list_to_file") == 0 && count == 6) {
        return opi_get_list_to_file(ARG(0), ARG(1), ARG(2), ARG(3), strcmp(args[4], "true") == 0, ARG(5));
    }
    if (strcmp(name, "function") == 0 && count == 2) {
        return opi_function(ARG(0), ARG(1));
    }
    if (strcmp(name, "parse_event") == 0 && count == 3) {
        return opi_parse_event(ARG(0), ARG(1), strcmp(args[2], "true") == 0);
    }
    if (strcmp(name, "configure") == 0 && count == 1) {
        return opi_configure(ARG(0));
    }
#undef ARG
    return NULL;
}

int main(int argc, char **argv) {
    load_library();
    if (argc >= 3 && strcmp(argv[1], "invoke") == 0) {
        char *answer = invoke(argv[2], argc - 3, argv + 3);
        if (answer == NULL) {
            fprintf(stderr, "unknown function %s with %d arguments\n", argv[2], argc - 3);
            return 2;
        }
        printf("%s\n", answer);
        opi_free(answer);
        return 0;
    }
    if (argc >= 4 && strcmp(argv[1], "configure") == 0) {
        char *configured = opi_configure(argument(argv, 2));
        printf("%s\n", configured);
        opi_free(configured);
        char *answer = invoke(argv[3], argc - 4, argv + 4);
        if (answer == NULL) {
            fprintf(stderr, "unknown function %s with %d arguments\n", argv[3], argc - 4);
            return 2;
        }
        printf("%s\n", answer);
        opi_free(answer);
        return 0;
    }
    if (argc == 5 && strcmp(argv[1], "repeat") == 0) {
        return repeat(atol(argv[2]), argv[3], argv[4]);
    }
    if (argc >= 4 && strcmp(argv[1], "repeat-invoke") == 0) {
        long count = atol(argv[2]), failures = 0;
        for (long i = 0; i < count; i++) {
            char *answer = invoke(argv[3], argc - 4, argv + 4);
            if (answer == NULL) {
                fprintf(stderr, "unknown function %s with %d arguments\n", argv[3], argc - 4);
                return 2;
            }
            if (strstr(answer, "\"error\"") != NULL) {
                failures++;
            }
            opi_free(answer);
        }
        printf("calls %ld failures %ld resident_kib %ld\n", count, failures, resident_kib());
        return failures == 0 ? 0 : 1;
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
    fprintf(stderr, "usage: %s call URL STATUS [TOKEN] | invoke FUNCTION ARG... | configure SETTINGS FUNCTION ARG... | selftest | repeat N URL STATUS | repeat-invoke N FUNCTION ARG...\n",
            argv[0]);
    return 2;
}
