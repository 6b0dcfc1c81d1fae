/*
 * Test-only stand-in for Windows' bcryptprimitives.dll, which Wine 8 lacks.
 * Rust's standard library imports ProcessPrng from it for random numbers; on
 * real Windows (8 and later) the system DLL is always there. This file is
 * built into the Wine prefix of the tests and is never shipped.
 */
#include <windows.h>

/* RtlGenRandom's real name; advapi32 exports it, Wine implements it. */
BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
    while (length > 0) {
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk)) {
            return FALSE;
        }
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
