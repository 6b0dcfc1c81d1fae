// Loads the built library as the two hosts of 1C Native API add-ins do — the
// 1C:Enterprise platform and OneScript's native-API proxy — and drives it
// with their call orders. The interfaces below are declared from the binary
// contract in docs/native-api.md; g++ lays them out as those hosts'
// compilers do on Linux (Itanium C++ ABI). The contract is in docs/native-api.md.
//
//   host LIBRARY platform WEBHOOK_URL PORTAL TOKEN VERSION
//   host LIBRARY onescript WEBHOOK_URL PORTAL TOKEN VERSION
//   host LIBRARY bad-calls WEBHOOK_URL
//   host LIBRARY cycles N WEBHOOK_URL
//   host LIBRARY names                       prints the classes, methods and properties
//   host LIBRARY configure SETTINGS_JSON URL Configure by its Russian name (Настроить), then
//                                            GetUserStatus of URL, as the platform calls them:
//                                            the answers labelled configure and next
//   host LIBRARY invoke ORDER METHOD [KINDS] < ARGUMENTS
//                                            any method by name, as host ORDER (platform or onescript)
//                                            calls it: the arguments from stdin, separated by NUL
//                                            bytes (OneScript fills the rest with their defaults);
//                                            KINDS has a letter per argument, t for a String (the
//                                            default) or b for a Boolean whose byte is the argument's
//                                            decimal value (C++ compilers store any byte there).
//                                            The parameter array and the result are placed at
//                                            addresses 4 but not 8 aligned, as MSVC on x86 may
//                                            place variants on its stack.
//
// Every string the add-in hands over must come from the tracking memory
// manager, and is freed through it; a block freed twice, not from it, or
// left over fails the run. Answers are printed as "RESULT <label> <json>".

#include <dlfcn.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <iostream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

typedef char16_t WCHAR_T;

enum TYPEVAR : uint16_t {
    VTYPE_EMPTY = 0, VTYPE_NULL = 1, VTYPE_I4 = 3, VTYPE_R8 = 5, VTYPE_PSTR = 8,
    VTYPE_BOOL = 11, VTYPE_PWSTR = 22, VTYPE_BLOB = 23,
};

struct tVariant {
    union {
        int32_t lVal;
        double dblVal;
        bool bVal;
        struct { char *pstrVal; uint32_t strLen; } str;
        struct { WCHAR_T *pwstrVal; uint32_t wstrLen; } wstr;
        struct tm tmVal;
    };
    uint32_t cbElements;
    uint16_t vt;
};
static_assert(sizeof(tVariant) == 64, "tVariant is 64 bytes on Linux x86_64");
static_assert(offsetof(tVariant, vt) == 60, "vt is at offset 60");

class IMemoryManager {
public:
    virtual ~IMemoryManager() {}
    virtual bool AllocMemory(void **pMemory, unsigned long ulCountByte) = 0;
    virtual void FreeMemory(void **pMemory) = 0;
};

class IAddInDefBase {
public:
    virtual ~IAddInDefBase() {}
    virtual bool AddError(unsigned short wcode, const WCHAR_T *source, const WCHAR_T *descr, long scode) = 0;
    virtual bool Read(WCHAR_T *, tVariant *, long *, WCHAR_T **) = 0;
    virtual bool Write(WCHAR_T *, tVariant *) = 0;
    virtual bool RegisterProfileAs(WCHAR_T *) = 0;
    virtual bool SetEventBufferDepth(long) = 0;
    virtual long GetEventBufferDepth() = 0;
    virtual bool ExternalEvent(WCHAR_T *, WCHAR_T *, WCHAR_T *) = 0;
    virtual void CleanEventBuffer() = 0;
    virtual bool SetStatusLine(WCHAR_T *) = 0;
    virtual void ResetStatusLine() = 0;
};

class IInitDoneBase {
public:
    virtual ~IInitDoneBase() {}
    virtual bool Init(void *disp) = 0;
    virtual bool setMemManager(void *mem) = 0;
    virtual long GetInfo() = 0;
    virtual void Done() = 0;
};

class ILanguageExtenderBase {
public:
    virtual ~ILanguageExtenderBase() {}
    virtual bool RegisterExtensionAs(WCHAR_T **wsExtensionName) = 0;
    virtual long GetNProps() = 0;
    virtual long FindProp(const WCHAR_T *wsPropName) = 0;
    virtual const WCHAR_T *GetPropName(long lPropNum, long lPropAlias) = 0;
    virtual bool GetPropVal(const long lPropNum, tVariant *pvarPropVal) = 0;
    virtual bool SetPropVal(const long lPropNum, tVariant *varPropVal) = 0;
    virtual bool IsPropReadable(const long lPropNum) = 0;
    virtual bool IsPropWritable(const long lPropNum) = 0;
    virtual long GetNMethods() = 0;
    virtual long FindMethod(const WCHAR_T *wsMethodName) = 0;
    virtual const WCHAR_T *GetMethodName(const long lMethodNum, const long lMethodAlias) = 0;
    virtual long GetNParams(const long lMethodNum) = 0;
    virtual bool GetParamDefValue(const long lMethodNum, const long lParamNum, tVariant *pvarParamDefValue) = 0;
    virtual bool HasRetVal(const long lMethodNum) = 0;
    virtual bool CallAsProc(const long lMethodNum, tVariant *paParams, const long lSizeArray) = 0;
    virtual bool CallAsFunc(const long lMethodNum, tVariant *pvarRetValue, tVariant *paParams, const long lSizeArray) = 0;
};

class LocaleBase {
public:
    virtual ~LocaleBase() {}
    virtual void SetLocale(const WCHAR_T *loc) = 0;
};

class UserLanguageBase {
public:
    virtual ~UserLanguageBase() {}
    virtual void SetUserInterfaceLanguageCode(const WCHAR_T *lang) = 0;
};

class IComponentBase : public IInitDoneBase, public ILanguageExtenderBase, public LocaleBase, public UserLanguageBase {
public:
    virtual ~IComponentBase() {}
};

typedef const WCHAR_T *(*GetClassNamesFn)();
typedef long (*GetClassObjectFn)(const WCHAR_T *, IComponentBase **);
typedef long (*DestroyObjectFn)(IComponentBase **);
typedef int (*SetPlatformCapabilitiesFn)(int);
typedef int (*GetAttachTypeFn)();

static int passed = 0;
static int failed = 0;

static void check(bool ok, const std::string &what) {
    if (ok) {
        passed++;
    } else {
        failed++;
        fprintf(stderr, "FAILED: %s\n", what.c_str());
    }
}

static std::string utf8(const WCHAR_T *text, size_t len) {
    std::string out;
    for (size_t i = 0; i < len; i++) {
        uint32_t c = text[i];
        if (c >= 0xD800 && c < 0xDC00 && i + 1 < len) {
            c = 0x10000 + ((c - 0xD800) << 10) + (text[++i] - 0xDC00);
        }
        if (c < 0x80) {
            out += (char)c;
        } else if (c < 0x800) {
            out += (char)(0xC0 | (c >> 6));
            out += (char)(0x80 | (c & 0x3F));
        } else if (c < 0x10000) {
            out += (char)(0xE0 | (c >> 12));
            out += (char)(0x80 | ((c >> 6) & 0x3F));
            out += (char)(0x80 | (c & 0x3F));
        } else {
            out += (char)(0xF0 | (c >> 18));
            out += (char)(0x80 | ((c >> 12) & 0x3F));
            out += (char)(0x80 | ((c >> 6) & 0x3F));
            out += (char)(0x80 | (c & 0x3F));
        }
    }
    return out;
}

static std::string utf8(const WCHAR_T *text) {
    size_t len = 0;
    while (text != nullptr && text[len] != 0) {
        len++;
    }
    return utf8(text, len);
}

static std::u16string utf16(const std::string &text) {
    std::u16string out;
    for (size_t i = 0; i < text.size();) {
        unsigned char b = (unsigned char)text[i];
        uint32_t c;
        int extra = b < 0x80 ? 0 : b < 0xE0 ? 1 : b < 0xF0 ? 2 : 3;
        c = extra == 0 ? b : extra == 1 ? (b & 0x1F) : extra == 2 ? (b & 0x0F) : (b & 0x07);
        for (int k = 1; k <= extra && i + k < text.size(); k++) {
            c = (c << 6) | ((unsigned char)text[i + k] & 0x3F);
        }
        i += extra + 1;
        if (c >= 0x10000) {
            c -= 0x10000;
            out += (char16_t)(0xD800 + (c >> 10));
            out += (char16_t)(0xDC00 + (c & 0x3FF));
        } else {
            out += (char16_t)c;
        }
    }
    return out;
}

// A memory manager that knows every block it gave out.
class TrackingMemory : public IMemoryManager {
public:
    explicit TrackingMemory(bool zeroed) : zeroed_(zeroed) {}
    ~TrackingMemory() override {}

    bool AllocMemory(void **pMemory, unsigned long ulCountByte) override {
        void *block = zeroed_ ? calloc(1, ulCountByte) : malloc(ulCountByte);
        if (block == nullptr) {
            return false;
        }
        blocks_.insert(block);
        *pMemory = block;
        return true;
    }

    void FreeMemory(void **pMemory) override {
        if (pMemory == nullptr || *pMemory == nullptr) {
            return;
        }
        check(blocks_.erase(*pMemory) == 1, "FreeMemory of a block that is not from AllocMemory, or freed twice");
        free(*pMemory);
        *pMemory = nullptr;
    }

    bool owns(const void *block) const { return blocks_.count(const_cast<void *>(block)) == 1; }
    size_t outstanding() const { return blocks_.size(); }

    // The host frees what the add-in handed over, after checking it is ours.
    void release(const void *block, const std::string &what) {
        check(owns(block), what + " was not allocated with the host's memory manager");
        void *p = const_cast<void *>(block);
        if (owns(p)) {
            FreeMemory(&p);
        }
    }

private:
    bool zeroed_;
    std::set<void *> blocks_;
};

// The connection handed to Init: records AddError.
class Connection : public IAddInDefBase {
public:
    ~Connection() override {}
    bool AddError(unsigned short wcode, const WCHAR_T *source, const WCHAR_T *descr, long) override {
        errors.push_back(std::to_string(wcode) + " " + utf8(source) + ": " + utf8(descr));
        return true;
    }
    bool Read(WCHAR_T *, tVariant *, long *, WCHAR_T **) override { return false; }
    bool Write(WCHAR_T *, tVariant *) override { return false; }
    bool RegisterProfileAs(WCHAR_T *) override { return false; }
    bool SetEventBufferDepth(long) override { return false; }
    long GetEventBufferDepth() override { return 0; }
    bool ExternalEvent(WCHAR_T *, WCHAR_T *, WCHAR_T *) override { return false; }
    void CleanEventBuffer() override {}
    bool SetStatusLine(WCHAR_T *) override { return false; }
    void ResetStatusLine() override {}

    std::vector<std::string> errors;
};

struct Library {
    GetClassNamesFn GetClassNames;
    GetClassObjectFn GetClassObject;
    DestroyObjectFn DestroyObject;
    SetPlatformCapabilitiesFn SetPlatformCapabilities;
    GetAttachTypeFn GetAttachType;
};

static Library load(const char *path) {
    void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
        fprintf(stderr, "dlopen %s: %s\n", path, dlerror());
        exit(2);
    }
    Library lib;
    lib.GetClassNames = (GetClassNamesFn)dlsym(handle, "GetClassNames");
    lib.GetClassObject = (GetClassObjectFn)dlsym(handle, "GetClassObject");
    lib.DestroyObject = (DestroyObjectFn)dlsym(handle, "DestroyObject");
    lib.SetPlatformCapabilities = (SetPlatformCapabilitiesFn)dlsym(handle, "SetPlatformCapabilities");
    lib.GetAttachType = (GetAttachTypeFn)dlsym(handle, "GetAttachType");
    if (!lib.GetClassNames || !lib.GetClassObject || !lib.DestroyObject || !lib.SetPlatformCapabilities || !lib.GetAttachType) {
        fprintf(stderr, "an export is missing from %s\n", path);
        exit(2);
    }
    return lib;
}

// A host-owned string parameter: the platform's from its own heap, OneScript's from calloc.
static tVariant text_param(const std::string &text) {
    std::u16string wide = utf16(text);
    tVariant v;
    memset(&v, 0, sizeof v);
    v.vt = VTYPE_PWSTR;
    v.wstr.pwstrVal = (WCHAR_T *)calloc(wide.size() + 1, sizeof(WCHAR_T));
    memcpy(v.wstr.pwstrVal, wide.data(), wide.size() * sizeof(WCHAR_T));
    v.wstr.wstrLen = (uint32_t)wide.size();
    return v;
}

static tVariant empty_variant() {
    tVariant v;
    memset(&v, 0, sizeof v);
    v.vt = VTYPE_EMPTY;
    return v;
}

static void free_host_params(std::vector<tVariant> &params) {
    for (tVariant &p : params) {
        if (p.vt == VTYPE_PWSTR) {
            free(p.wstr.pwstrVal);
        }
    }
}

// Reads a string result and frees it as the host does.
static std::string take_text(tVariant &v, TrackingMemory &memory, const std::string &what) {
    check(v.vt == VTYPE_PWSTR, what + " is a PWSTR");
    if (v.vt != VTYPE_PWSTR) {
        return "";
    }
    std::string text = utf8(v.wstr.pwstrVal, v.wstr.wstrLen);
    check(v.wstr.pwstrVal[v.wstr.wstrLen] == 0, what + " is NUL-terminated after wstrLen units");
    memory.release(v.wstr.pwstrVal, what);
    v = empty_variant();
    return text;
}

static std::string call(IComponentBase *object, TrackingMemory &memory, long method, std::vector<tVariant> params,
                        const std::string &label) {
    tVariant result = empty_variant();
    bool ok = object->CallAsFunc(method, &result, params.empty() ? nullptr : params.data(), (long)params.size());
    check(ok, label + ": CallAsFunc returned true");
    std::string json = take_text(result, memory, label + " result");
    printf("RESULT %s %s\n", label.c_str(), json.c_str());
    free_host_params(params);
    return json;
}

static void check_version(IComponentBase *object, TrackingMemory &memory, const std::string &version) {
    check(object->FindProp(u"Version") == 0 && object->FindProp(u"версия") == 0, "FindProp Version / Версия");
    check(object->IsPropReadable(0) && !object->IsPropWritable(0), "Version is read-only");
    tVariant value = empty_variant();
    check(object->GetPropVal(0, &value), "GetPropVal Version");
    check(take_text(value, memory, "Version") == version, "Version is " + version);
}

// The 1C:Enterprise platform's order; `swapped` gives setMemManager before Init.
static void as_platform(const Library &lib, char **args, bool swapped) {
    const std::string webhook = args[0], portal = args[1], token = args[2], version = args[3];
    const std::string mode = swapped ? "platform-swapped" : "platform";
    TrackingMemory memory(false);
    Connection connection;
    check(lib.SetPlatformCapabilities(3) == 3, "SetPlatformCapabilities(3)");
    check(lib.GetAttachType() == 3, "GetAttachType is any");
    IComponentBase *object = nullptr;
    check(lib.GetClassObject(u"Main", &object) != 0 && object != nullptr, "GetClassObject Main");
    if (object == nullptr) {
        return;
    }
    if (swapped) {
        check(object->setMemManager(&memory), "setMemManager");
        check(object->Init(&connection), "Init");
    } else {
        check(object->Init(&connection), "Init");
        check(object->setMemManager(&memory), "setMemManager");
    }
    check(object->GetInfo() == 2000, "GetInfo is 2000");
    WCHAR_T *name = nullptr;
    check(object->RegisterExtensionAs(&name), "RegisterExtensionAs");
    check(utf8(name) == "Main", "RegisterExtensionAs names Main, as GetClassNames does");
    memory.release(name, "RegisterExtensionAs name");
    object->SetLocale(u"ru_RU");
    object->SetUserInterfaceLanguageCode(u"ru");

    for (const char16_t *found : {u"SetUserStatus", u"setuserstatus", u"SETUSERSTATUS", u"УстановитьСтатусПользователя",
                                  u"установитьстатуспользователя"}) {
        check(object->FindMethod(found) == 0, "FindMethod " + utf8(found));
    }
    check(object->FindMethod(u"NoSuchMethod") == -1, "FindMethod of an unknown name is -1");
    check(object->GetNMethods() == 9 && object->GetNParams(0) == 3, "nine methods, SetUserStatus with three parameters");
    check(object->HasRetVal(0), "HasRetVal");
    tVariant def = empty_variant();
    check(!object->GetParamDefValue(0, 0, &def) && def.vt == VTYPE_EMPTY, "URL has no default");
    check(object->GetParamDefValue(0, 2, &def), "Token has a default");
    check(take_text(def, memory, "Token default").empty(), "Token default is an empty string");

    call(object, memory, 0, {text_param(webhook), text_param("dnd")}, mode + "-webhook");
    call(object, memory, 0, {text_param(portal), text_param("away"), text_param(token)}, mode + "-token");
    check_version(object, memory, version);
    check(connection.errors.empty(), "no AddError for good calls");

    object->Done();
    check(lib.DestroyObject(&object) == 0, "DestroyObject returns 0");
    check(object == nullptr, "DestroyObject clears the pointer");
    check(memory.outstanding() == 0, mode + ": every block handed over was freed");
}

// OneScript's proxy: memory first, no RegisterExtensionAs, names from
// GetClassNames and GetMethodName, every parameter filled, C++ delete.
static void as_onescript(const Library &lib, char **args) {
    const std::string webhook = args[0], portal = args[1], token = args[2], version = args[3];
    TrackingMemory memory(true);
    Connection connection;
    std::string classes = utf8(lib.GetClassNames());
    check(classes == "Main", "GetClassNames is Main");
    IComponentBase *object = nullptr;
    check(lib.GetClassObject(utf16(classes).c_str(), &object) != 0 && object != nullptr, "GetClassObject");
    if (object == nullptr) {
        return;
    }
    check(object->setMemManager(&memory), "setMemManager");
    check(object->Init(&connection), "Init");

    long method = -1;
    for (long i = 0; i < object->GetNMethods(); i++) {
        const WCHAR_T *english = object->GetMethodName(i, 0);
        const WCHAR_T *russian = object->GetMethodName(i, 1);
        check(!utf8(english).empty() && !utf8(russian).empty(), "GetMethodName in both languages");
        if (utf8(english) == "SetUserStatus") {
            check(utf8(russian) == "УстановитьСтатусПользователя", "SetUserStatus's Russian name");
            method = i;
        }
        memory.release(english, "method name");
        memory.release(russian, "method name");
    }
    for (long i = 0; i < object->GetNProps(); i++) {
        const WCHAR_T *english = object->GetPropName(i, 0);
        const WCHAR_T *russian = object->GetPropName(i, 1);
        check(utf8(english) == "Version" && utf8(russian) == "Версия", "GetPropName in both languages");
        memory.release(english, "property name");
        memory.release(russian, "property name");
    }
    check(method == 0, "SetUserStatus found by its name");

    const std::vector<std::vector<std::string>> calls = {{webhook, "dnd"}, {portal, "away", token}};
    const char *labels[] = {"onescript-webhook", "onescript-token"};
    for (size_t c = 0; c < calls.size(); c++) {
        long count = object->GetNParams(method);
        std::vector<tVariant> params;
        std::vector<bool> defaulted;
        for (long i = 0; i < count; i++) {
            if ((size_t)i < calls[c].size()) {
                params.push_back(text_param(calls[c][i]));
                defaulted.push_back(false);
                continue;
            }
            tVariant def = empty_variant();
            bool has_default = object->GetParamDefValue(method, i, &def);
            check(has_default && def.vt != VTYPE_EMPTY, "a missing parameter has a non-EMPTY default");
            params.push_back(def);
            defaulted.push_back(true);
        }
        tVariant result = empty_variant();
        check(object->CallAsFunc(method, &result, params.data(), count), std::string(labels[c]) + ": CallAsFunc");
        printf("RESULT %s %s\n", labels[c], take_text(result, memory, labels[c]).c_str());
        for (size_t i = 0; i < params.size(); i++) {
            if (defaulted[i]) {
                memory.release(params[i].wstr.pwstrVal, "default value");
            } else {
                free(params[i].wstr.pwstrVal);
            }
        }
    }
    check_version(object, memory, version);
    object->Done();
    delete object;
    check(memory.outstanding() == 0, "onescript: every block handed over was freed");
}

static tVariant int_param(int32_t value) {
    tVariant v = empty_variant();
    v.vt = VTYPE_I4;
    v.lVal = value;
    return v;
}

static tVariant real_param(double value) {
    tVariant v = empty_variant();
    v.vt = VTYPE_R8;
    v.dblVal = value;
    return v;
}

static tVariant bool_param(bool value) {
    tVariant v = empty_variant();
    v.vt = VTYPE_BOOL;
    v.bVal = value;
    return v;
}

static void bad_calls(const Library &lib, char **args) {
    const std::string webhook = args[0];
    IComponentBase *object = nullptr;
    check(lib.GetClassObject(u"Other", &object) == 0 && object == nullptr, "GetClassObject of an unknown class fails");
    check(lib.GetClassObject(nullptr, &object) == 0, "GetClassObject with a NULL name fails");
    check(lib.GetClassObject(u"Main", nullptr) == 0, "GetClassObject with a NULL out-pointer fails");
    check(lib.DestroyObject(nullptr) != 0, "DestroyObject(NULL) fails");
    check(lib.DestroyObject(&object) != 0, "DestroyObject of a NULL object fails");

    // No memory manager yet: nothing can be handed over, and nothing crashes.
    check(lib.GetClassObject(u"Main", &object) != 0, "GetClassObject");
    WCHAR_T *name = nullptr;
    check(!object->RegisterExtensionAs(&name) && name == nullptr, "RegisterExtensionAs without memory fails");
    tVariant result = empty_variant();
    std::vector<tVariant> params = {text_param(webhook), text_param("dnd")};
    check(!object->CallAsFunc(0, &result, params.data(), 2), "CallAsFunc without memory fails");
    free_host_params(params);
    check(lib.DestroyObject(&object) == 0, "DestroyObject");

    TrackingMemory memory(false);
    Connection connection;
    check(lib.GetClassObject(u"Main", &object) != 0, "GetClassObject");
    object->Init(&connection);
    object->setMemManager(&memory);

    struct Case {
        std::string label;
        std::vector<tVariant> params;
        std::string expected;
        bool reported;
    };
    std::vector<Case> cases;
    cases.push_back({"url-as-number", {int_param(5), text_param("dnd")}, "URL must be a String; it was a Number", true});
    cases.push_back({"too-few", {text_param(webhook)}, "it was given 1", true});
    cases.push_back({"too-many", {text_param(webhook), text_param("dnd"), text_param(""), text_param("x")},
                     "it was given 4", true});
    cases.push_back({"status-i4", {text_param(webhook), int_param(1)}, "Status '1' is not allowed", false});
    cases.push_back({"status-r8", {text_param(webhook), real_param(2.5)}, "Status '2.5' is not allowed", false});
    cases.push_back({"status-bool", {text_param(webhook), bool_param(true)}, "Status must be a String or a Number", true});
    cases.push_back({"token-as-number", {text_param(webhook), text_param("dnd"), int_param(7)}, "Token must be a String", true});
    cases.push_back({"status-empty-variant", {text_param(webhook), empty_variant()}, "it was nothing", true});
    for (Case &c : cases) {
        size_t errors_before = connection.errors.size();
        std::string json = call(object, memory, 0, c.params, "bad-" + c.label);
        check(json.find("\"error\":\"OPI_INVALID_ARGUMENT\"") != std::string::npos, c.label + ": OPI_INVALID_ARGUMENT");
        check(json.find(c.expected) != std::string::npos, c.label + ": says " + c.expected);
        bool reported = connection.errors.size() == errors_before + 1 &&
                        connection.errors.back().rfind("1006 OPI_Bitrix24: ", 0) == 0;
        check(reported == c.reported, c.label + (c.reported ? ": AddError 1006" : ": no AddError"));
    }
    std::string json = call(object, memory, 0, {}, "bad-no-params");
    check(json.find("it was given 0") != std::string::npos, "no parameters");
    check(object->CallAsFunc(0, &result, nullptr, 3), "NULL parameter array with a count is refused in JSON");
    check(take_text(result, memory, "NULL params").find("it was given 0") != std::string::npos, "NULL array");

    for (long method : {object->GetNMethods(), 9L, -1L, 1000000L}) {
        params = {text_param(webhook), text_param("dnd")};
        check(!object->CallAsFunc(method, &result, params.data(), 2), "CallAsFunc of unknown method " + std::to_string(method));
        check(!object->CallAsProc(method, params.data(), 2), "CallAsProc of unknown method " + std::to_string(method));
        free_host_params(params);
        check(object->GetNParams(method) == 0 && !object->HasRetVal(method), "unknown method has no parameters");
        check(object->GetMethodName(method, 0) == nullptr, "GetMethodName of unknown method is NULL");
        check(object->GetPropName(method, 0) == nullptr, "GetPropName of unknown property is NULL");
        check(!object->GetPropVal(method, &result), "GetPropVal of unknown property fails");
    }
    check(object->GetMethodName(0, 2) == nullptr, "GetMethodName with an unknown alias is NULL");
    check(object->FindMethod(nullptr) == -1 && object->FindProp(nullptr) == -1, "Find of NULL is -1");
    check(!object->SetPropVal(0, &result), "Version cannot be set");
    check(!object->CallAsFunc(0, nullptr, nullptr, 0), "CallAsFunc with no result variant fails");
    params = {text_param(webhook), text_param("online")};
    check(object->CallAsProc(0, params.data(), 2), "CallAsProc of SetUserStatus runs it");
    free_host_params(params);
    object->Done();
    check(lib.DestroyObject(&object) == 0, "DestroyObject");
    check(memory.outstanding() == 0, "bad calls: every block handed over was freed");
}

static long resident_kb() {
    FILE *statm = fopen("/proc/self/statm", "r");
    long pages = 0, resident = 0;
    if (statm != nullptr) {
        if (fscanf(statm, "%ld %ld", &pages, &resident) != 2) {
            resident = 0;
        }
        fclose(statm);
    }
    return resident * 4;
}

// Create, call and destroy N times, alternating the two hosts' ways.
static void cycles(const Library &lib, long count, const std::string &webhook) {
    long warm_kb = 0;
    for (long i = 0; i < count; i++) {
        TrackingMemory memory(i % 2 == 1);
        Connection connection;
        IComponentBase *object = nullptr;
        if (lib.GetClassObject(u"Main", &object) == 0) {
            check(false, "GetClassObject");
            return;
        }
        object->Init(&connection);
        object->setMemManager(&memory);
        tVariant result = empty_variant();
        std::vector<tVariant> params = {text_param(webhook), text_param(i % 2 ? "dnd" : "online")};
        bool ok = object->CallAsFunc(0, &result, params.data(), 2);
        free_host_params(params);
        std::string json = ok ? take_text(result, memory, "cycle result") : "";
        if (json.find("\"result\":true") == std::string::npos) {
            check(false, "cycle " + std::to_string(i) + " answered " + json);
        }
        object->Done();
        if (i % 2 == 0) {
            lib.DestroyObject(&object);
        } else {
            delete object;
        }
        if (memory.outstanding() != 0) {
            check(false, "cycle " + std::to_string(i) + " leaked host memory");
        }
        if (i + 1 == count / 10) {
            warm_kb = resident_kb();
        }
    }
    passed++;
    printf("RSS_GROWTH_KB %ld\n", resident_kb() - warm_kb);
}

// What a host learns of the component by asking it, as "CLASSES", "METHOD" and "PROP" lines.
static void names(const Library &lib) {
    TrackingMemory memory(true);
    std::string classes = utf8(lib.GetClassNames());
    printf("CLASSES %s\n", classes.c_str());
    IComponentBase *object = nullptr;
    check(lib.GetClassObject(utf16(classes).c_str(), &object) != 0, "GetClassObject");
    if (object == nullptr) {
        return;
    }
    object->setMemManager(&memory);
    for (long i = 0; i < object->GetNMethods(); i++) {
        const WCHAR_T *english = object->GetMethodName(i, 0);
        const WCHAR_T *russian = object->GetMethodName(i, 1);
        printf("METHOD %ld %s %s %ld\n", i, utf8(english).c_str(), utf8(russian).c_str(), object->GetNParams(i));
        memory.release(english, "method name");
        memory.release(russian, "method name");
    }
    for (long i = 0; i < object->GetNProps(); i++) {
        const WCHAR_T *english = object->GetPropName(i, 0);
        const WCHAR_T *russian = object->GetPropName(i, 1);
        printf("PROP %ld %s %s\n", i, utf8(english).c_str(), utf8(russian).c_str());
        memory.release(english, "property name");
        memory.release(russian, "property name");
    }
    object->Done();
    delete object;
    check(memory.outstanding() == 0, "names: every block handed over was freed");
}

// Configure, then a call that runs with what it set, as the platform calls them.
static void configure_then_call(const Library &lib, char **args) {
    TrackingMemory memory(false);
    Connection connection;
    IComponentBase *object = nullptr;
    check(lib.GetClassObject(u"Main", &object) != 0 && object != nullptr, "GetClassObject");
    if (object == nullptr) {
        return;
    }
    object->Init(&connection);
    object->setMemManager(&memory);
    long configure = object->FindMethod(u"Настроить");
    check(configure >= 0 && configure == object->FindMethod(u"configure"), "FindMethod Настроить");
    check(object->GetNParams(configure) == 1, "Configure takes one parameter");
    call(object, memory, configure, {text_param(args[0])}, "configure");
    call(object, memory, object->FindMethod(u"GetUserStatus"), {text_param(args[1])}, "next");
    object->Done();
    check(lib.DestroyObject(&object) == 0, "DestroyObject");
    check(memory.outstanding() == 0, "configure: every block handed over was freed");
}

// Parameters from standard input, separated by NUL bytes; none for empty
// input. Each is a String, or a Boolean holding the byte its text gives where
// `kinds` says 'b'.
static std::vector<tVariant> params_from_stdin(const std::string &kinds) {
    std::string input((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    std::vector<std::string> texts;
    size_t start = 0;
    while (!input.empty()) {
        size_t end = input.find('\0', start);
        texts.push_back(input.substr(start, end == std::string::npos ? std::string::npos : end - start));
        if (end == std::string::npos) {
            break;
        }
        start = end + 1;
    }
    std::vector<tVariant> params;
    for (size_t i = 0; i < texts.size(); i++) {
        if (i < kinds.size() && kinds[i] == 'b') {
            tVariant v = empty_variant();
            v.vt = VTYPE_BOOL;
            unsigned char byte = (unsigned char)atoi(texts[i].c_str());
            memcpy(&v.bVal, &byte, 1);
            params.push_back(v);
        } else {
            params.push_back(text_param(texts[i]));
        }
    }
    return params;
}

// Storage whose variants start 4 bytes past an 8-byte boundary.
struct MisalignedVariants {
    std::vector<unsigned char> bytes;
    unsigned char *start;
    explicit MisalignedVariants(const std::vector<tVariant> &variants)
        : bytes(variants.size() * sizeof(tVariant) + 16) {
        uintptr_t base = (uintptr_t)bytes.data();
        start = bytes.data() + ((8 - base % 8) % 8) + 4;
        if (!variants.empty()) {
            memcpy(start, variants.data(), variants.size() * sizeof(tVariant));
        }
    }
    tVariant *pointer() { return (tVariant *)(void *)start; }
    tVariant at(size_t index) const {
        tVariant v;
        memcpy(&v, start + index * sizeof(tVariant), sizeof v);
        return v;
    }
};

// Any method by name, as the platform (Init first, as many parameters as the
// call had, DestroyObject) or OneScript (setMemManager first, every
// parameter, the missing ones from GetParamDefValue, C++ delete) calls it.
static void invoke_from_stdin(const Library &lib, const std::string &order, const std::string &method_name,
                              const std::string &kinds) {
    std::vector<tVariant> params = params_from_stdin(kinds);
    const bool onescript = order == "onescript";
    TrackingMemory memory(onescript);
    Connection connection;
    IComponentBase *object = nullptr;
    check(lib.GetClassObject(u"Main", &object) != 0, "GetClassObject");
    if (object == nullptr) {
        return;
    }
    if (onescript) {
        object->setMemManager(&memory);
        object->Init(&connection);
    } else {
        object->Init(&connection);
        object->setMemManager(&memory);
    }
    long method = object->FindMethod(utf16(method_name).c_str());
    check(method >= 0, "FindMethod " + method_name);
    std::vector<bool> defaulted(params.size(), false);
    for (long i = (long)params.size(); onescript && method >= 0 && i < object->GetNParams(method); i++) {
        tVariant def = empty_variant();
        if (object->GetParamDefValue(method, i, &def)) {
            params.push_back(def);
            defaulted.push_back(true);
        } else {
            break;
        }
    }
    MisalignedVariants cells(params);
    MisalignedVariants result_cell({empty_variant()});
    bool ok = object->CallAsFunc(method, result_cell.pointer(), params.empty() ? nullptr : cells.pointer(),
                                 (long)params.size());
    check(ok, order + " " + method_name + ": CallAsFunc returned true");
    if (ok) {
        tVariant result = result_cell.at(0);
        printf("RESULT %s-%s %s\n", order.c_str(), method_name.c_str(), take_text(result, memory, "result").c_str());
    }
    for (size_t i = 0; i < params.size(); i++) {
        check(cells.at(i).vt == params[i].vt, "the parameters keep their types");
        if (defaulted[i]) {
            memory.release(params[i].wstr.pwstrVal, "default value");
        } else if (params[i].vt == VTYPE_PWSTR) {
            free(params[i].wstr.pwstrVal);
        }
    }
    object->Done();
    if (onescript) {
        delete object;
    } else {
        check(lib.DestroyObject(&object) == 0, "DestroyObject");
    }
    check(memory.outstanding() == 0, "invoke: every block handed over was freed");
}

int main(int argc, char **argv) {
    if ((argc == 5 || argc == 6) && std::string(argv[2]) == "invoke") {
        invoke_from_stdin(load(argv[1]), argv[3], argv[4], argc == 6 ? argv[5] : "");
        printf("host invoke: %d passed, %d failed\n", passed, failed);
        return failed == 0 ? 0 : 1;
    }
    if (argc == 3 && std::string(argv[2]) == "names") {
        names(load(argv[1]));
        printf("host names: %d passed, %d failed\n", passed, failed);
        return failed == 0 ? 0 : 1;
    }
    if (argc < 4) {
        fprintf(stderr, "usage: see the comment at the top of %s\n", __FILE__);
        return 2;
    }
    Library lib = load(argv[1]);
    std::string mode = argv[2];
    if (mode == "platform" && argc == 7) {
        as_platform(lib, argv + 3, false);
        as_platform(lib, argv + 3, true);
    } else if (mode == "onescript" && argc == 7) {
        as_onescript(lib, argv + 3);
    } else if (mode == "bad-calls" && argc == 4) {
        bad_calls(lib, argv + 3);
    } else if (mode == "configure" && argc == 5) {
        configure_then_call(lib, argv + 3);
    } else if (mode == "cycles" && argc == 5) {
        cycles(lib, atol(argv[3]), argv[4]);
    } else {
        fprintf(stderr, "unknown mode or argument count\n");
        return 2;
    }
    printf("host %s: %d passed, %d failed\n", mode.c_str(), passed, failed);
    return failed == 0 ? 0 : 1;
}
