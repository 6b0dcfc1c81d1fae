/*
 * Adds a PEM CA certificate to, or removes it from, the current user's ROOT
 * certificate store: the Windows store the library trusts. Lets the Wine tests
 * show that the store is read, with a CA no test shares (each test process
 * makes its own).
 *
 *   trust_ca add|remove FILE.pem
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>
#include <wincrypt.h>

int main(int argc, char **argv) {
    if (argc != 3 || (strcmp(argv[1], "add") != 0 && strcmp(argv[1], "remove") != 0)) {
        fprintf(stderr, "usage: trust_ca add|remove FILE.pem\n");
        return 2;
    }
    FILE *file = fopen(argv[2], "rb");
    if (file == NULL) {
        fprintf(stderr, "cannot open %s\n", argv[2]);
        return 1;
    }
    static char pem[65536];
    size_t length = fread(pem, 1, sizeof pem - 1, file);
    fclose(file);
    static BYTE der[65536];
    DWORD der_length = sizeof der;
    if (!CryptStringToBinaryA(pem, (DWORD)length, CRYPT_STRING_BASE64HEADER, der, &der_length, NULL, NULL)) {
        fprintf(stderr, "not a PEM certificate: error %lu\n", GetLastError());
        return 1;
    }
    HCERTSTORE store = CertOpenStore(CERT_STORE_PROV_SYSTEM_REGISTRY_W, 0, 0, CERT_SYSTEM_STORE_CURRENT_USER, L"ROOT");
    if (store == NULL) {
        fprintf(stderr, "cannot open the ROOT store: error %lu\n", GetLastError());
        return 1;
    }
    BOOL ok;
    if (strcmp(argv[1], "add") == 0) {
        ok = CertAddEncodedCertificateToStore(store, X509_ASN_ENCODING, der, der_length,
                                              CERT_STORE_ADD_REPLACE_EXISTING, NULL);
    } else {
        PCCERT_CONTEXT wanted = CertCreateCertificateContext(X509_ASN_ENCODING, der, der_length);
        PCCERT_CONTEXT found = NULL;
        ok = wanted != NULL;
        /* Every copy; CertDeleteCertificateFromStore frees the context it is given. */
        while (ok && (found = CertFindCertificateInStore(store, X509_ASN_ENCODING, 0, CERT_FIND_EXISTING, wanted,
                                                         NULL)) != NULL) {
            ok = CertDeleteCertificateFromStore(found);
        }
        if (wanted != NULL) {
            CertFreeCertificateContext(wanted);
        }
    }
    CertCloseStore(store, 0);
    if (!ok) {
        fprintf(stderr, "%s failed: error %lu\n", argv[1], GetLastError());
        return 1;
    }
    return 0;
}
