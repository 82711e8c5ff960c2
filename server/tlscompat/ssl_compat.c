/* ssl_compat.c - lets Debian 12's civetweb 1.15 use OpenSSL 3 for HTTPS.
 *
 * Debian's civetweb loads OpenSSL at run time with dlopen("libssl.so")
 * and looks up SSL_get_peer_certificate, an OpenSSL 1.1 function that
 * OpenSSL 3 only has as a macro for SSL_get1_peer_certificate; so
 * mg_init_library(MG_FEATURES_SSL) fails, and an https port would still
 * open and crash on the first TLS client (checked on Debian 12). This
 * library has the soname "libssl.so", depends on libssl.so.3 (DT_NEEDED),
 * and defines the missing function. The executable loads it before
 * civetweb initialises: civetweb's dlopen("libssl.so") then gets this
 * object, and dlsym on it finds everything else in libssl.so.3.
 */
#include <openssl/ssl.h>
#include <openssl/x509.h>

#undef SSL_get_peer_certificate

__attribute__((visibility("default"))) X509 *SSL_get_peer_certificate(const SSL *s);

X509 *SSL_get_peer_certificate(const SSL *s)
{
    return SSL_get1_peer_certificate(s);
}
