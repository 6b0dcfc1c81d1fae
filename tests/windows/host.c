/*
 * Loads the Windows DLL as the 1C platform and OneScript do on Windows, and
 * drives it with their call orders. Those hosts are built with MSVC, so the
 * objects on both sides follow MSVC's layout whatever compiler built the DLL:
 * one scalar deleting destructor `(this, flags)` at the head of every vtable,
 * interface methods __stdcall and destructors __thiscall on x86. C++ classes
 * compiled by MinGW would get the Itanium layout instead, so the vtables are
 * written out here as C structs (docs/native-api.md).
 *
 *   host DLL platform WEBHOOK_URL PORTAL TOKEN VERSION
 *   host DLL onescript WEBHOOK_URL PORTAL TOKEN VERSION
 *   host DLL bad-calls WEBHOOK_URL
 *   host DLL destructors
 *   host DLL names
 *   host DLL configure SETTINGS_JSON URL
 *                       Configure by its Russian name (Настроить) with SETTINGS_JSON, then
 *                       GetUserStatus of URL, both as the platform calls them: the two
 *                       answers, labelled configure and next
 *   host DLL batch-misaligned URL COMMANDS BYTE
 *                       Batch as the platform calls it, with its parameter array and
 *                       result 4 but not 8 bytes aligned (MSVC on x86 may place
 *                       variants so on its stack) and Halt a Boolean holding BYTE
 *
 * As tests/addin/host.cpp: every string the add-in hands over must come from
 * the tracking memory manager and is freed through it; answers are printed as
 * "RESULT <label> <json>", and the run ends with "host MODE: P passed, F failed".
 */
#include <fcntl.h>
#include <io.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <windows.h>

/* tests/windows.rs also builds this host with a wrong convention
 * (-DMETHOD=__cdecl, or -DTHISCALL= for cdecl destructors) and sees it fail
 * on x86, where the right one passes. */
#ifndef THISCALL
#if defined(__i386__)
/* GCC applies thiscall to plain C functions (this in ECX, callee pops the
 * rest) but warns that C has no class methods; that is the point here. */
#pragma GCC diagnostic ignored "-Wattributes"
#define THISCALL __attribute__((thiscall))
#else
#define THISCALL
#endif
#endif
#ifndef METHOD
#define METHOD __stdcall
#endif

typedef wchar_t WCHAR_T;

enum { VTYPE_EMPTY = 0, VTYPE_I4 = 3, VTYPE_R8 = 5, VTYPE_BOOL = 11, VTYPE_PWSTR = 22 };

typedef struct {
    union {
        int32_t lVal;
        double dblVal;
        bool bVal;
        struct {
            char *pstrVal;
            uint32_t strLen;
        } str;
        struct {
            WCHAR_T *pwstrVal;
            uint32_t wstrLen;
        } wstr;
        struct tm tmVal;
        struct {
            void *pInterfaceVal;
            GUID InterfaceID;
        } iface;
    } u;
    uint32_t cbElements;
    uint16_t vt;
} tVariant;
_Static_assert(sizeof(tVariant) == 48, "tVariant is 48 bytes on Windows");
_Static_assert(offsetof(tVariant, vt) == 44, "vt is at offset 44 on Windows");

/* --- the component's interfaces, as MSVC lays them out ------------------ */

typedef void *(THISCALL *Destructor)(void *self, unsigned flags);

typedef struct {
    Destructor destructor;
    bool(METHOD *Init)(void *self, void *connection);
    bool(METHOD *setMemManager)(void *self, void *memory);
    long(METHOD *GetInfo)(void *self);
    void(METHOD *Done)(void *self);
} InitDoneVtbl;

typedef struct {
    Destructor destructor;
    bool(METHOD *RegisterExtensionAs)(void *self, WCHAR_T **name);
    long(METHOD *GetNProps)(void *self);
    long(METHOD *FindProp)(void *self, const WCHAR_T *name);
    const WCHAR_T *(METHOD *GetPropName)(void *self, long prop, long alias);
    bool(METHOD *GetPropVal)(void *self, long prop, tVariant *value);
    bool(METHOD *SetPropVal)(void *self, long prop, tVariant *value);
    bool(METHOD *IsPropReadable)(void *self, long prop);
    bool(METHOD *IsPropWritable)(void *self, long prop);
    long(METHOD *GetNMethods)(void *self);
    long(METHOD *FindMethod)(void *self, const WCHAR_T *name);
    const WCHAR_T *(METHOD *GetMethodName)(void *self, long method, long alias);
    long(METHOD *GetNParams)(void *self, long method);
    bool(METHOD *GetParamDefValue)(void *self, long method, long param, tVariant *value);
    bool(METHOD *HasRetVal)(void *self, long method);
    bool(METHOD *CallAsProc)(void *self, long method, tVariant *params, long count);
    bool(METHOD *CallAsFunc)(void *self, long method, tVariant *result, tVariant *params, long count);
} LanguageExtenderVtbl;

typedef struct {
    Destructor destructor;
    void(METHOD *SetLocale)(void *self, const WCHAR_T *locale);
} LocaleVtbl;

typedef struct {
    Destructor destructor;
    void(METHOD *SetUserInterfaceLanguageCode)(void *self, const WCHAR_T *language);
} UserLanguageVtbl;

/* IComponentBase: one vtable pointer per base, in declaration order. */
typedef struct {
    const InitDoneVtbl *init_done;
    const LanguageExtenderVtbl *language;
    const LocaleVtbl *locale;
    const UserLanguageVtbl *user_language;
} Component;

/* `this` of each base: the address of that base's vtable pointer. */
#define INIT_DONE(c) ((void *)&(c)->init_done)
#define LANGUAGE(c) ((void *)&(c)->language)

typedef const WCHAR_T *(*GetClassNamesFn)(void);
typedef long (*GetClassObjectFn)(const WCHAR_T *, Component **);
typedef long (*DestroyObjectFn)(Component **);
typedef int (*SetPlatformCapabilitiesFn)(int);
typedef int (*GetAttachTypeFn)(void);

typedef struct {
    GetClassNamesFn GetClassNames;
    GetClassObjectFn GetClassObject;
    DestroyObjectFn DestroyObject;
    SetPlatformCapabilitiesFn SetPlatformCapabilities;
    GetAttachTypeFn GetAttachType;
} Library;

static int passed = 0;
static int failed = 0;

static void check(bool ok, const char *what) {
    if (ok) {
        passed++;
    } else {
        failed++;
        fprintf(stderr, "FAILED: %s\n", what);
    }
}

/* --- text ---------------------------------------------------------------- */

/* UTF-8 of `len` UTF-16 units (or up to the NUL if len < 0), in a static buffer per slot. */
static const char *utf8n(const WCHAR_T *text, int len) {
    static char buffers[4][1 << 18];
    static int next = 0;
    char *out = buffers[next++ % 4];
    out[0] = 0;
    if (text != NULL) {
        int written = WideCharToMultiByte(CP_UTF8, 0, text, len, out, (int)sizeof buffers[0] - 1, NULL, NULL);
        out[written > 0 ? (len < 0 ? written - 1 : written) : 0] = 0;
    }
    return out;
}

static const char *utf8(const WCHAR_T *text) { return utf8n(text, -1); }

/* `text` (UTF-8) as a NUL-terminated UTF-16 string from calloc. */
static WCHAR_T *utf16(const char *text, uint32_t *units) {
    int count = MultiByteToWideChar(CP_UTF8, 0, text, -1, NULL, 0);
    WCHAR_T *out = calloc((size_t)count + 1, sizeof(WCHAR_T));
    MultiByteToWideChar(CP_UTF8, 0, text, -1, out, count);
    if (units != NULL) {
        *units = (uint32_t)(count - 1);
    }
    return out;
}

/* --- the host's objects, as MSVC lays them out ---------------------------- */

enum { MAX_BLOCKS = 256 };

typedef struct MemoryManager MemoryManager;
typedef struct {
    void *(THISCALL *destructor)(MemoryManager *self, unsigned flags);
    bool(METHOD *AllocMemory)(MemoryManager *self, void **block, unsigned long bytes);
    void(METHOD *FreeMemory)(MemoryManager *self, void **block);
} MemoryManagerVtbl;

/* A memory manager that knows every block it gave out. */
struct MemoryManager {
    const MemoryManagerVtbl *vtbl;
    bool zeroed;
    void *blocks[MAX_BLOCKS];
};

static void *THISCALL memory_destructor(MemoryManager *self, unsigned flags) {
    (void)flags;
    check(false, "the add-in must not destroy the host's memory manager");
    return self;
}

static bool METHOD alloc_memory(MemoryManager *self, void **block, unsigned long bytes) {
    for (int i = 0; i < MAX_BLOCKS; i++) {
        if (self->blocks[i] == NULL) {
            void *allocated = self->zeroed ? calloc(1, bytes) : malloc(bytes);
            if (allocated == NULL) {
                return false;
            }
            self->blocks[i] = allocated;
            *block = allocated;
            return true;
        }
    }
    return false;
}

static int find_block(const MemoryManager *self, const void *block) {
    for (int i = 0; i < MAX_BLOCKS; i++) {
        if (block != NULL && self->blocks[i] == block) {
            return i;
        }
    }
    return -1;
}

static void METHOD free_memory(MemoryManager *self, void **block) {
    if (block == NULL || *block == NULL) {
        return;
    }
    int found = find_block(self, *block);
    check(found >= 0, "FreeMemory of a block that is not from AllocMemory, or freed twice");
    if (found >= 0) {
        self->blocks[found] = NULL;
        free(*block);
    }
    *block = NULL;
}

static const MemoryManagerVtbl MEMORY_VTBL = {memory_destructor, alloc_memory, free_memory};

static void memory_init(MemoryManager *memory, bool zeroed) {
    memset(memory, 0, sizeof *memory);
    memory->vtbl = &MEMORY_VTBL;
    memory->zeroed = zeroed;
}

static int outstanding(const MemoryManager *memory) {
    int count = 0;
    for (int i = 0; i < MAX_BLOCKS; i++) {
        count += memory->blocks[i] != NULL;
    }
    return count;
}

/* The host frees what the add-in handed over, after checking it is ours. */
static void release(MemoryManager *memory, const void *block, const char *what) {
    char message[256];
    snprintf(message, sizeof message, "%s was allocated with the host's memory manager", what);
    check(find_block(memory, block) >= 0, message);
    if (find_block(memory, block) >= 0) {
        void *p = (void *)block;
        free_memory(memory, &p);
    }
}

typedef struct Connection Connection;
typedef struct {
    void *(THISCALL *destructor)(Connection *self, unsigned flags);
    bool(METHOD *AddError)(Connection *self, unsigned short code, const WCHAR_T *source, const WCHAR_T *description,
                           long scode);
    bool(METHOD *Read)(Connection *self, WCHAR_T *, tVariant *, long *, WCHAR_T **);
    bool(METHOD *Write)(Connection *self, WCHAR_T *, tVariant *);
    bool(METHOD *RegisterProfileAs)(Connection *self, WCHAR_T *);
    bool(METHOD *SetEventBufferDepth)(Connection *self, long);
    long(METHOD *GetEventBufferDepth)(Connection *self);
    bool(METHOD *ExternalEvent)(Connection *self, WCHAR_T *, WCHAR_T *, WCHAR_T *);
    void(METHOD *CleanEventBuffer)(Connection *self);
    bool(METHOD *SetStatusLine)(Connection *self, WCHAR_T *);
    void(METHOD *ResetStatusLine)(Connection *self);
} ConnectionVtbl;

/* IAddInDefBase: records AddError; the rest must not be called. */
struct Connection {
    const ConnectionVtbl *vtbl;
    int errors;
    char last_error[1024];
};

static void *THISCALL connection_destructor(Connection *self, unsigned flags) {
    (void)flags;
    check(false, "the add-in must not destroy the host's connection");
    return self;
}

static bool METHOD add_error(Connection *self, unsigned short code, const WCHAR_T *source, const WCHAR_T *description,
                             long scode) {
    (void)scode;
    self->errors++;
    snprintf(self->last_error, sizeof self->last_error, "%u %s: %s", code, utf8(source), utf8(description));
    return true;
}

static void unexpected(const char *what) {
    char message[128];
    snprintf(message, sizeof message, "the add-in called IAddInDefBase::%s", what);
    check(false, message);
}

static bool METHOD conn_read(Connection *c, WCHAR_T *a, tVariant *b, long *d, WCHAR_T **e) {
    (void)c, (void)a, (void)b, (void)d, (void)e;
    unexpected("Read");
    return false;
}
static bool METHOD conn_write(Connection *c, WCHAR_T *a, tVariant *b) {
    (void)c, (void)a, (void)b;
    unexpected("Write");
    return false;
}
static bool METHOD conn_register_profile(Connection *c, WCHAR_T *a) {
    (void)c, (void)a;
    unexpected("RegisterProfileAs");
    return false;
}
static bool METHOD conn_set_depth(Connection *c, long a) {
    (void)c, (void)a;
    unexpected("SetEventBufferDepth");
    return false;
}
static long METHOD conn_get_depth(Connection *c) {
    (void)c;
    unexpected("GetEventBufferDepth");
    return 0;
}
static bool METHOD conn_event(Connection *c, WCHAR_T *a, WCHAR_T *b, WCHAR_T *d) {
    (void)c, (void)a, (void)b, (void)d;
    unexpected("ExternalEvent");
    return false;
}
static void METHOD conn_clean(Connection *c) {
    (void)c;
    unexpected("CleanEventBuffer");
}
static bool METHOD conn_status(Connection *c, WCHAR_T *a) {
    (void)c, (void)a;
    unexpected("SetStatusLine");
    return false;
}
static void METHOD conn_reset(Connection *c) {
    (void)c;
    unexpected("ResetStatusLine");
}

static const ConnectionVtbl CONNECTION_VTBL = {
    connection_destructor, add_error,   conn_read,  conn_write,  conn_register_profile, conn_set_depth,
    conn_get_depth,        conn_event, conn_clean, conn_status, conn_reset,
};

static void connection_init(Connection *connection) {
    memset(connection, 0, sizeof *connection);
    connection->vtbl = &CONNECTION_VTBL;
}

/* --- loading and calling -------------------------------------------------- */

static Library load(const char *path) {
    HMODULE handle = LoadLibraryA(path);
    if (handle == NULL) {
        fprintf(stderr, "LoadLibrary %s: error %lu\n", path, GetLastError());
        exit(2);
    }
    /* Through void (*)(void): the cast GCC accepts between unrelated function types. */
    Library lib;
    lib.GetClassNames = (GetClassNamesFn)(void (*)(void))GetProcAddress(handle, "GetClassNames");
    lib.GetClassObject = (GetClassObjectFn)(void (*)(void))GetProcAddress(handle, "GetClassObject");
    lib.DestroyObject = (DestroyObjectFn)(void (*)(void))GetProcAddress(handle, "DestroyObject");
    lib.SetPlatformCapabilities =
        (SetPlatformCapabilitiesFn)(void (*)(void))GetProcAddress(handle, "SetPlatformCapabilities");
    lib.GetAttachType = (GetAttachTypeFn)(void (*)(void))GetProcAddress(handle, "GetAttachType");
    if (!lib.GetClassNames || !lib.GetClassObject || !lib.DestroyObject || !lib.SetPlatformCapabilities ||
        !lib.GetAttachType) {
        fprintf(stderr, "an export is missing from %s\n", path);
        exit(2);
    }
    return lib;
}

static tVariant empty_variant(void) {
    tVariant v;
    memset(&v, 0, sizeof v);
    v.vt = VTYPE_EMPTY;
    return v;
}

/* A host-owned string parameter, from calloc. */
static tVariant text_param(const char *text) {
    tVariant v = empty_variant();
    v.vt = VTYPE_PWSTR;
    v.u.wstr.pwstrVal = utf16(text, &v.u.wstr.wstrLen);
    return v;
}

static tVariant int_param(int32_t value) {
    tVariant v = empty_variant();
    v.vt = VTYPE_I4;
    v.u.lVal = value;
    return v;
}

static tVariant real_param(double value) {
    tVariant v = empty_variant();
    v.vt = VTYPE_R8;
    v.u.dblVal = value;
    return v;
}

static tVariant bool_param(bool value) {
    tVariant v = empty_variant();
    v.vt = VTYPE_BOOL;
    v.u.bVal = value;
    return v;
}

static void free_params(tVariant *params, long count) {
    for (long i = 0; i < count; i++) {
        if (params[i].vt == VTYPE_PWSTR) {
            free(params[i].u.wstr.pwstrVal);
        }
    }
}

/* Reads a string result into `out` and frees it as the host does. */
static void take_text(tVariant *v, MemoryManager *memory, const char *what, char *out, size_t size) {
    out[0] = 0;
    check(v->vt == VTYPE_PWSTR, what);
    if (v->vt != VTYPE_PWSTR) {
        return;
    }
    snprintf(out, size, "%s", utf8n(v->u.wstr.pwstrVal, (int)v->u.wstr.wstrLen));
    check(v->u.wstr.pwstrVal[v->u.wstr.wstrLen] == 0, "a string result is NUL-terminated after wstrLen units");
    release(memory, v->u.wstr.pwstrVal, what);
    *v = empty_variant();
}

static char answer[8192];

/* SetUserStatus through CallAsFunc; prints and returns the answer, frees the parameters. */
static const char *call(Component *object, MemoryManager *memory, tVariant *params, long count, const char *label) {
    tVariant result = empty_variant();
    bool ok = object->language->CallAsFunc(LANGUAGE(object), 0, &result, count > 0 ? params : NULL, count);
    check(ok, label);
    take_text(&result, memory, label, answer, sizeof answer);
    printf("RESULT %s %s\n", label, answer);
    free_params(params, count);
    return answer;
}

static void check_version(Component *object, MemoryManager *memory, const char *version) {
    const LanguageExtenderVtbl *l = object->language;
    check(l->FindProp(LANGUAGE(object), L"Version") == 0 && l->FindProp(LANGUAGE(object), L"версия") == 0,
          "FindProp Version / Версия");
    check(l->IsPropReadable(LANGUAGE(object), 0) && !l->IsPropWritable(LANGUAGE(object), 0), "Version is read-only");
    tVariant value = empty_variant();
    check(l->GetPropVal(LANGUAGE(object), 0, &value), "GetPropVal Version");
    char text[64];
    take_text(&value, memory, "Version", text, sizeof text);
    check(strcmp(text, version) == 0, "Version is the crate's version");
}

/* C++ `delete object` compiled by MSVC: the scalar deleting destructor of the first base, flags 1. */
static void msvc_delete(Component *object) { object->init_done->destructor(INIT_DONE(object), 1); }

/* --- the hosts -------------------------------------------------------------- */

/* The 1C:Enterprise platform's order; `swapped` gives setMemManager before Init. */
static void as_platform(const Library *lib, char **args, bool swapped) {
    const char *webhook = args[0], *portal = args[1], *token = args[2], *version = args[3];
    const char *mode = swapped ? "platform-swapped" : "platform";
    MemoryManager memory;
    Connection connection;
    memory_init(&memory, false);
    connection_init(&connection);
    check(lib->SetPlatformCapabilities(3) == 3, "SetPlatformCapabilities(3)");
    check(lib->GetAttachType() == 3, "GetAttachType is any");
    Component *object = NULL;
    check(lib->GetClassObject(L"Main", &object) != 0 && object != NULL, "GetClassObject Main");
    if (object == NULL) {
        return;
    }
    const InitDoneVtbl *i = object->init_done;
    const LanguageExtenderVtbl *l = object->language;
    if (swapped) {
        check(i->setMemManager(INIT_DONE(object), &memory), "setMemManager");
        check(i->Init(INIT_DONE(object), &connection), "Init");
    } else {
        check(i->Init(INIT_DONE(object), &connection), "Init");
        check(i->setMemManager(INIT_DONE(object), &memory), "setMemManager");
    }
    check(i->GetInfo(INIT_DONE(object)) == 2000, "GetInfo is 2000");
    WCHAR_T *name = NULL;
    check(l->RegisterExtensionAs(LANGUAGE(object), &name), "RegisterExtensionAs");
    check(strcmp(utf8(name), "Main") == 0, "RegisterExtensionAs names Main");
    release(&memory, name, "RegisterExtensionAs name");
    object->locale->SetLocale((void *)&object->locale, L"ru_RU");
    object->user_language->SetUserInterfaceLanguageCode((void *)&object->user_language, L"ru");

    const WCHAR_T *spellings[] = {L"SetUserStatus", L"setuserstatus", L"SETUSERSTATUS", L"УстановитьСтатусПользователя",
                                  L"установитьстатуспользователя"};
    for (size_t k = 0; k < sizeof spellings / sizeof spellings[0]; k++) {
        check(l->FindMethod(LANGUAGE(object), spellings[k]) == 0, "FindMethod in any case and either language");
    }
    check(l->FindMethod(LANGUAGE(object), L"NoSuchMethod") == -1, "FindMethod of an unknown name is -1");
    check(l->GetNMethods(LANGUAGE(object)) == 9 && l->GetNParams(LANGUAGE(object), 0) == 3,
          "nine methods, SetUserStatus with three parameters");
    check(l->HasRetVal(LANGUAGE(object), 0), "HasRetVal");
    tVariant def = empty_variant();
    check(!l->GetParamDefValue(LANGUAGE(object), 0, 0, &def) && def.vt == VTYPE_EMPTY, "URL has no default");
    check(l->GetParamDefValue(LANGUAGE(object), 0, 2, &def), "Token has a default");
    char text[64];
    take_text(&def, &memory, "Token default", text, sizeof text);
    check(text[0] == 0, "Token default is an empty string");

    char label[64];
    tVariant webhook_call[] = {text_param(webhook), text_param("dnd")};
    snprintf(label, sizeof label, "%s-webhook", mode);
    call(object, &memory, webhook_call, 2, label);
    tVariant token_call[] = {text_param(portal), text_param("away"), text_param(token)};
    snprintf(label, sizeof label, "%s-token", mode);
    call(object, &memory, token_call, 3, label);
    check_version(object, &memory, version);
    check(connection.errors == 0, "no AddError for good calls");

    i->Done(INIT_DONE(object));
    check(lib->DestroyObject(&object) == 0, "DestroyObject returns 0");
    check(object == NULL, "DestroyObject clears the pointer");
    check(outstanding(&memory) == 0, "platform: every block handed over was freed");
}

/* OneScript's proxy: memory first, names from GetClassNames and GetMethodName,
 * every parameter filled, and C++ delete (the scalar deleting destructor). */
static void as_onescript(const Library *lib, char **args) {
    const char *webhook = args[0], *portal = args[1], *token = args[2], *version = args[3];
    MemoryManager memory;
    Connection connection;
    memory_init(&memory, true);
    connection_init(&connection);
    const WCHAR_T *classes = lib->GetClassNames();
    check(strcmp(utf8(classes), "Main") == 0, "GetClassNames is Main");
    Component *object = NULL;
    check(lib->GetClassObject(classes, &object) != 0 && object != NULL, "GetClassObject");
    if (object == NULL) {
        return;
    }
    const LanguageExtenderVtbl *l = object->language;
    check(object->init_done->setMemManager(INIT_DONE(object), &memory), "setMemManager");
    check(object->init_done->Init(INIT_DONE(object), &connection), "Init");

    long method = -1;
    for (long i = 0; i < l->GetNMethods(LANGUAGE(object)); i++) {
        const WCHAR_T *english = l->GetMethodName(LANGUAGE(object), i, 0);
        const WCHAR_T *russian = l->GetMethodName(LANGUAGE(object), i, 1);
        check(english != NULL && russian != NULL && utf8(english)[0] != 0, "GetMethodName in both languages");
        if (strcmp(utf8(english), "SetUserStatus") == 0) {
            check(strcmp(utf8(russian), "УстановитьСтатусПользователя") == 0, "SetUserStatus's Russian name");
            method = i;
        }
        release(&memory, english, "method name");
        release(&memory, russian, "method name");
    }
    for (long i = 0; i < l->GetNProps(LANGUAGE(object)); i++) {
        const WCHAR_T *english = l->GetPropName(LANGUAGE(object), i, 0);
        const WCHAR_T *russian = l->GetPropName(LANGUAGE(object), i, 1);
        check(strcmp(utf8(english), "Version") == 0 && strcmp(utf8(russian), "Версия") == 0,
              "GetPropName in both languages");
        release(&memory, english, "property name");
        release(&memory, russian, "property name");
    }
    check(method == 0, "SetUserStatus found by its name");

    const char *calls[2][3] = {{webhook, "dnd", NULL}, {portal, "away", token}};
    const char *labels[] = {"onescript-webhook", "onescript-token"};
    for (int c = 0; c < 2; c++) {
        long count = l->GetNParams(LANGUAGE(object), method);
        tVariant params[3];
        bool defaulted[3] = {false, false, false};
        check(count == 3, "three parameters");
        for (long i = 0; i < count && i < 3; i++) {
            if (calls[c][i] != NULL) {
                params[i] = text_param(calls[c][i]);
                continue;
            }
            params[i] = empty_variant();
            bool has_default = l->GetParamDefValue(LANGUAGE(object), method, i, &params[i]);
            check(has_default && params[i].vt != VTYPE_EMPTY, "a missing parameter has a non-EMPTY default");
            defaulted[i] = true;
        }
        tVariant result = empty_variant();
        check(l->CallAsFunc(LANGUAGE(object), method, &result, params, 3), labels[c]);
        take_text(&result, &memory, labels[c], answer, sizeof answer);
        printf("RESULT %s %s\n", labels[c], answer);
        for (int i = 0; i < 3; i++) {
            if (defaulted[i]) {
                release(&memory, params[i].u.wstr.pwstrVal, "default value");
            } else {
                free(params[i].u.wstr.pwstrVal);
            }
        }
    }
    check_version(object, &memory, version);
    object->init_done->Done(INIT_DONE(object));
    msvc_delete(object);
    check(outstanding(&memory) == 0, "onescript: every block handed over was freed");
}

typedef struct {
    const char *label;
    tVariant params[4];
    long count;
    const char *expected;
    bool reported;
} BadCase;

static void bad_calls(const Library *lib, char **args) {
    const char *webhook = args[0];
    Component *object = NULL;
    check(lib->GetClassObject(L"Other", &object) == 0 && object == NULL, "GetClassObject of an unknown class fails");
    check(lib->GetClassObject(NULL, &object) == 0, "GetClassObject with a NULL name fails");
    check(lib->GetClassObject(L"Main", NULL) == 0, "GetClassObject with a NULL out-pointer fails");
    check(lib->DestroyObject(NULL) != 0, "DestroyObject(NULL) fails");
    check(lib->DestroyObject(&object) != 0, "DestroyObject of a NULL object fails");

    /* No memory manager yet: nothing can be handed over, and nothing crashes. */
    check(lib->GetClassObject(L"Main", &object) != 0, "GetClassObject");
    WCHAR_T *name = NULL;
    check(!object->language->RegisterExtensionAs(LANGUAGE(object), &name) && name == NULL,
          "RegisterExtensionAs without memory fails");
    tVariant result = empty_variant();
    tVariant params[4] = {text_param(webhook), text_param("dnd")};
    check(!object->language->CallAsFunc(LANGUAGE(object), 0, &result, params, 2), "CallAsFunc without memory fails");
    free_params(params, 2);
    check(lib->DestroyObject(&object) == 0, "DestroyObject");

    MemoryManager memory;
    Connection connection;
    memory_init(&memory, false);
    connection_init(&connection);
    check(lib->GetClassObject(L"Main", &object) != 0, "GetClassObject");
    const LanguageExtenderVtbl *l = object->language;
    object->init_done->Init(INIT_DONE(object), &connection);
    object->init_done->setMemManager(INIT_DONE(object), &memory);

    BadCase cases[] = {
        {"url-as-number", {int_param(5), text_param("dnd")}, 2, "URL must be a String; it was a Number", true},
        {"too-few", {text_param(webhook)}, 1, "it was given 1", true},
        {"too-many", {text_param(webhook), text_param("dnd"), text_param(""), text_param("x")}, 4, "it was given 4", true},
        {"status-i4", {text_param(webhook), int_param(1)}, 2, "Status '1' is not allowed", false},
        {"status-r8", {text_param(webhook), real_param(2.5)}, 2, "Status '2.5' is not allowed", false},
        {"status-bool", {text_param(webhook), bool_param(true)}, 2, "Status must be a String or a Number", true},
        {"token-as-number", {text_param(webhook), text_param("dnd"), int_param(7)}, 3, "Token must be a String", true},
        {"status-empty-variant", {text_param(webhook), empty_variant()}, 2, "it was nothing", true},
        {"no-params", {empty_variant()}, 0, "it was given 0", true},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        BadCase *bad = &cases[c];
        char label[64], what[256];
        int errors_before = connection.errors;
        snprintf(label, sizeof label, "bad-%s", bad->label);
        const char *json = call(object, &memory, bad->params, bad->count, label);
        snprintf(what, sizeof what, "%s: OPI_INVALID_ARGUMENT", bad->label);
        check(strstr(json, "\"error\":\"OPI_INVALID_ARGUMENT\"") != NULL, what);
        snprintf(what, sizeof what, "%s: says %s", bad->label, bad->expected);
        check(strstr(json, bad->expected) != NULL, what);
        bool reported = connection.errors == errors_before + 1 &&
                        strncmp(connection.last_error, "1006 OPI_Bitrix24: ", 19) == 0;
        snprintf(what, sizeof what, "%s: %s", bad->label, bad->reported ? "AddError 1006" : "no AddError");
        check(reported == bad->reported, what);
    }
    check(l->CallAsFunc(LANGUAGE(object), 0, &result, NULL, 3), "NULL parameter array with a count is refused in JSON");
    take_text(&result, &memory, "NULL params", answer, sizeof answer);
    check(strstr(answer, "it was given 0") != NULL, "a NULL array counts as no parameters");

    long unknown[] = {l->GetNMethods(LANGUAGE(object)), 9, -1, 1000000};
    for (size_t k = 0; k < sizeof unknown / sizeof unknown[0]; k++) {
        long method = unknown[k];
        tVariant call_params[2] = {text_param(webhook), text_param("dnd")};
        check(!l->CallAsFunc(LANGUAGE(object), method, &result, call_params, 2), "CallAsFunc of an unknown method");
        check(!l->CallAsProc(LANGUAGE(object), method, call_params, 2), "CallAsProc of an unknown method");
        free_params(call_params, 2);
        check(l->GetNParams(LANGUAGE(object), method) == 0 && !l->HasRetVal(LANGUAGE(object), method),
              "an unknown method has no parameters");
        check(l->GetMethodName(LANGUAGE(object), method, 0) == NULL, "GetMethodName of an unknown method is NULL");
        check(l->GetPropName(LANGUAGE(object), method, 0) == NULL, "GetPropName of an unknown property is NULL");
        check(!l->GetPropVal(LANGUAGE(object), method, &result), "GetPropVal of an unknown property fails");
    }
    check(l->GetMethodName(LANGUAGE(object), 0, 2) == NULL, "GetMethodName with an unknown alias is NULL");
    check(l->FindMethod(LANGUAGE(object), NULL) == -1 && l->FindProp(LANGUAGE(object), NULL) == -1,
          "Find of NULL is -1");
    check(!l->SetPropVal(LANGUAGE(object), 0, &result), "Version cannot be set");
    check(!l->CallAsFunc(LANGUAGE(object), 0, NULL, NULL, 0), "CallAsFunc with no result variant fails");
    tVariant proc_params[2] = {text_param(webhook), text_param("online")};
    check(l->CallAsProc(LANGUAGE(object), 0, proc_params, 2), "CallAsProc of SetUserStatus runs it");
    free_params(proc_params, 2);
    object->init_done->Done(INIT_DONE(object));
    check(lib->DestroyObject(&object) == 0, "DestroyObject");
    check(outstanding(&memory) == 0, "bad calls: every block handed over was freed");
}

/* The scalar deleting destructor through every base's vtable (each with its
 * own `this`), and with flags 0, which ends the component but keeps its memory. */
static void destructors(const Library *lib) {
    for (int base = 0; base < 4; base++) {
        Component *object = NULL;
        check(lib->GetClassObject(L"Main", &object) != 0 && object != NULL, "GetClassObject");
        void **this_of_base = (void **)object + base;
        const Destructor *vtable = *(const Destructor *const *)this_of_base;
        void *returned = vtable[0](this_of_base, 1);
        check(returned == this_of_base, "the scalar deleting destructor returns its this");
    }
    Component *object = NULL;
    check(lib->GetClassObject(L"Main", &object) != 0 && object != NULL, "GetClassObject");
    object->init_done->destructor(INIT_DONE(object), 0);
    check(object->language->GetNMethods(LANGUAGE(object)) == 0, "after a flags-0 destructor the component is gone");
    check(object->init_done->GetInfo(INIT_DONE(object)) == 0, "and answers as a destroyed object");
    check(lib->DestroyObject(&object) == 0 && object == NULL, "DestroyObject still frees its memory");
}

/* What a host learns of the component by asking it, as "CLASSES", "METHOD" and "PROP" lines. */
static void names(const Library *lib) {
    MemoryManager memory;
    memory_init(&memory, true);
    const WCHAR_T *classes = lib->GetClassNames();
    printf("CLASSES %s\n", utf8(classes));
    Component *object = NULL;
    check(lib->GetClassObject(classes, &object) != 0 && object != NULL, "GetClassObject");
    if (object == NULL) {
        return;
    }
    const LanguageExtenderVtbl *l = object->language;
    object->init_done->setMemManager(INIT_DONE(object), &memory);
    for (long i = 0; i < l->GetNMethods(LANGUAGE(object)); i++) {
        const WCHAR_T *english = l->GetMethodName(LANGUAGE(object), i, 0);
        const WCHAR_T *russian = l->GetMethodName(LANGUAGE(object), i, 1);
        printf("METHOD %ld %s %s %ld\n", i, utf8(english), utf8(russian), l->GetNParams(LANGUAGE(object), i));
        release(&memory, english, "method name");
        release(&memory, russian, "method name");
    }
    for (long i = 0; i < l->GetNProps(LANGUAGE(object)); i++) {
        const WCHAR_T *english = l->GetPropName(LANGUAGE(object), i, 0);
        const WCHAR_T *russian = l->GetPropName(LANGUAGE(object), i, 1);
        printf("PROP %ld %s %s\n", i, utf8(english), utf8(russian));
        release(&memory, english, "property name");
        release(&memory, russian, "property name");
    }
    object->init_done->Done(INIT_DONE(object));
    msvc_delete(object);
    check(outstanding(&memory) == 0, "names: every block handed over was freed");
}

/* Where in `storage` a variant 4 bytes past an 8-byte boundary starts. */
static unsigned char *misaligned(unsigned char *storage) {
    return storage + ((8 - (uintptr_t)storage % 8) % 8) + 4;
}

static void batch_misaligned(const Library *lib, char **args) {
    MemoryManager memory;
    Connection connection;
    memory_init(&memory, false);
    connection_init(&connection);
    Component *object = NULL;
    check(lib->GetClassObject(L"Main", &object) != 0 && object != NULL, "GetClassObject");
    if (object == NULL) {
        return;
    }
    object->init_done->Init(INIT_DONE(object), &connection);
    object->init_done->setMemManager(INIT_DONE(object), &memory);
    long method = object->language->FindMethod(LANGUAGE(object), L"Batch");
    check(method >= 0, "FindMethod Batch");
    tVariant halt = empty_variant();
    halt.vt = VTYPE_BOOL;
    unsigned char byte = (unsigned char)atoi(args[2]);
    memcpy(&halt.u.bVal, &byte, 1);
    tVariant params[4] = {text_param(args[0]), text_param(args[1]), halt, text_param("")};
    static unsigned char params_storage[sizeof params + 16], result_storage[sizeof(tVariant) + 16];
    unsigned char *params_at = misaligned(params_storage), *result_at = misaligned(result_storage);
    memcpy(params_at, params, sizeof params);
    tVariant result = empty_variant();
    memcpy(result_at, &result, sizeof result);
    bool ok = object->language->CallAsFunc(LANGUAGE(object), method, (tVariant *)(void *)result_at,
                                           (tVariant *)(void *)params_at, 4);
    check(ok, "CallAsFunc of Batch");
    memcpy(&result, result_at, sizeof result);
    static char answer[1 << 20];
    take_text(&result, &memory, "Batch result", answer, sizeof answer);
    printf("RESULT batch-misaligned %s\n", answer);
    free_params(params, 4);
    object->init_done->Done(INIT_DONE(object));
    check(lib->DestroyObject(&object) == 0, "DestroyObject");
    check(outstanding(&memory) == 0, "batch-misaligned: every block handed over was freed");
}

/* Configure, then a call that runs with what it set, as the platform calls them. */
static void configure_then_call(const Library *lib, char **args) {
    MemoryManager memory;
    Connection connection;
    memory_init(&memory, false);
    connection_init(&connection);
    Component *object = NULL;
    check(lib->GetClassObject(L"Main", &object) != 0 && object != NULL, "GetClassObject");
    if (object == NULL) {
        return;
    }
    const LanguageExtenderVtbl *l = object->language;
    object->init_done->Init(INIT_DONE(object), &connection);
    object->init_done->setMemManager(INIT_DONE(object), &memory);
    long configure = l->FindMethod(LANGUAGE(object), L"Настроить");
    check(configure >= 0 && configure == l->FindMethod(LANGUAGE(object), L"configure"), "FindMethod Настроить");
    check(l->GetNParams(LANGUAGE(object), configure) == 1, "Configure takes one parameter");
    tVariant settings[] = {text_param(args[0])};
    tVariant result = empty_variant();
    check(l->CallAsFunc(LANGUAGE(object), configure, &result, settings, 1), "CallAsFunc of Configure");
    take_text(&result, &memory, "Configure result", answer, sizeof answer);
    printf("RESULT configure %s\n", answer);
    free_params(settings, 1);
    long get_user_status = l->FindMethod(LANGUAGE(object), L"GetUserStatus");
    tVariant url[] = {text_param(args[1])};
    check(l->CallAsFunc(LANGUAGE(object), get_user_status, &result, url, 1), "CallAsFunc of GetUserStatus");
    take_text(&result, &memory, "GetUserStatus result", answer, sizeof answer);
    printf("RESULT next %s\n", answer);
    free_params(url, 1);
    object->init_done->Done(INIT_DONE(object));
    check(lib->DestroyObject(&object) == 0, "DestroyObject");
    check(outstanding(&memory) == 0, "configure: every block handed over was freed");
}

int main(int argc, char **argv) {
    /* The answers are UTF-8 JSON: no CRLF translation on the way out. */
    _setmode(_fileno(stdout), _O_BINARY);
    if (argc < 3) {
        fprintf(stderr, "usage: see the comment at the top of %s\n", __FILE__);
        return 2;
    }
    Library lib = load(argv[1]);
    const char *mode = argv[2];
    if (strcmp(mode, "platform") == 0 && argc == 7) {
        as_platform(&lib, argv + 3, false);
        as_platform(&lib, argv + 3, true);
    } else if (strcmp(mode, "onescript") == 0 && argc == 7) {
        as_onescript(&lib, argv + 3);
    } else if (strcmp(mode, "bad-calls") == 0 && argc == 4) {
        bad_calls(&lib, argv + 3);
    } else if (strcmp(mode, "destructors") == 0 && argc == 3) {
        destructors(&lib);
    } else if (strcmp(mode, "names") == 0 && argc == 3) {
        names(&lib);
    } else if (strcmp(mode, "configure") == 0 && argc == 5) {
        configure_then_call(&lib, argv + 3);
    } else if (strcmp(mode, "batch-misaligned") == 0 && argc == 6) {
        batch_misaligned(&lib, argv + 3);
    } else {
        fprintf(stderr, "unknown mode or argument count\n");
        return 2;
    }
    printf("host %s: %d passed, %d failed\n", mode, passed, failed);
    return failed == 0 ? 0 : 1;
}
