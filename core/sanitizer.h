/* sanitizer.h - OCTO_ASAN: 1 in the AddressSanitizer build (make asan),
 * OCTO_TSAN in the ThreadSanitizer one (make tsan), where a few things
 * are done differently, each saying why. */
#ifndef OCTO_SANITIZER_H
#define OCTO_SANITIZER_H

#if defined(__SANITIZE_ADDRESS__)
#define OCTO_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define OCTO_ASAN 1
#endif
#endif
#ifndef OCTO_ASAN
#define OCTO_ASAN 0
#endif

/* OCTO_TSAN: 1 in the ThreadSanitizer build (make tsan). */
#if defined(__SANITIZE_THREAD__)
#define OCTO_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define OCTO_TSAN 1
#endif
#endif
#ifndef OCTO_TSAN
#define OCTO_TSAN 0
#endif

#endif
