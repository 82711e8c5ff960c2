/* big_stack.c - handlers on a per-thread 8 MiB stack (see big_stack.h).
 *
 * The stack is mmap'ed with a guard page below it, so an overflow still
 * faults instead of writing over other memory. Sanitizers are told about
 * the switch (ASan's fake stacks and stack bounds, TSan's fibers), or
 * they misreport. */
#include "big_stack.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include <octoflow/core.h>

#if defined(__SANITIZE_ADDRESS__)
#define OCTO_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define OCTO_ASAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define OCTO_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define OCTO_TSAN 1
#endif
#endif

#ifdef OCTO_ASAN
#include <sanitizer/common_interface_defs.h>
#endif
#ifdef OCTO_TSAN
#include <sanitizer/tsan_interface.h>
#endif

#define STACK_SIZE ((size_t)8 << 20)

struct fiber {
    char *map; /* guard page, then the stack */
    size_t map_size;
    ucontext_t caller;
    ucontext_t callee;
    octo_route_fn fn;
    struct octo_req *req;
    int busy;
#ifdef OCTO_ASAN
    void *caller_fake;
    const void *caller_bottom;
    size_t caller_size;
#endif
#ifdef OCTO_TSAN
    void *tsan_self;
    void *tsan_caller;
#endif
};

static _Thread_local struct fiber *t_fiber;
static pthread_key_t g_key;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void fiber_free(void *p)
{
    struct fiber *f = p;

    if (f == NULL) {
        return;
    }
#ifdef OCTO_TSAN
    __tsan_destroy_fiber(f->tsan_self);
#endif
    munmap(f->map, f->map_size);
    free(f);
}

static void make_key(void)
{
    pthread_key_create(&g_key, fiber_free); /* the stack goes with its thread */
}

static struct fiber *this_fiber(void)
{
    struct fiber *f = t_fiber;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);

    if (f != NULL) {
        return f;
    }
    pthread_once(&g_once, make_key);
    f = octo_xcalloc(1, sizeof(*f));
    f->map_size = STACK_SIZE + page;
    f->map = mmap(NULL, f->map_size, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (f->map == MAP_FAILED) {
        free(f);
        return NULL;
    }
    if (mprotect(f->map, page, PROT_NONE) != 0) {
        munmap(f->map, f->map_size);
        free(f);
        return NULL;
    }
#ifdef OCTO_TSAN
    f->tsan_self = __tsan_create_fiber(0);
#endif
    pthread_setspecific(g_key, f);
    t_fiber = f;
    return f;
}

/* Under TSan the switch back to the caller's fiber happens here, before
 * the return: an instrumented trampoline would record its own exit on the
 * caller's shadow stack (one frame too many popped: TSan then crashes
 * unwinding it), so TSan does not instrument this one function. */
#ifdef OCTO_TSAN
__attribute__((no_sanitize("thread")))
#endif
static void
trampoline(void)
{
    struct fiber *f = t_fiber;

#ifdef OCTO_ASAN
    __sanitizer_finish_switch_fiber(NULL, &f->caller_bottom, &f->caller_size);
#endif
    f->fn(f->req);
#ifdef OCTO_ASAN
    __sanitizer_start_switch_fiber(NULL, f->caller_bottom, f->caller_size);
#endif
#ifdef OCTO_TSAN
    __tsan_switch_to_fiber(f->tsan_caller, 0);
#endif
    /* returning resumes f->caller (uc_link) */
}

void octo_big_stack_call(octo_route_fn fn, struct octo_req *req)
{
    struct fiber *f = this_fiber();
    size_t page = (size_t)sysconf(_SC_PAGESIZE);

    if (f == NULL || f->busy || getcontext(&f->callee) != 0) {
        fn(req);
        return;
    }
    f->busy = 1;
    f->fn = fn;
    f->req = req;
    f->callee.uc_stack.ss_sp = f->map + page;
    f->callee.uc_stack.ss_size = STACK_SIZE;
    f->callee.uc_link = &f->caller;
    makecontext(&f->callee, trampoline, 0);
#ifdef OCTO_TSAN
    f->tsan_caller = __tsan_get_current_fiber();
    __tsan_switch_to_fiber(f->tsan_self, 0);
#endif
#ifdef OCTO_ASAN
    __sanitizer_start_switch_fiber(&f->caller_fake, f->map + page, STACK_SIZE);
#endif
    swapcontext(&f->caller, &f->callee);
#ifdef OCTO_ASAN
    __sanitizer_finish_switch_fiber(f->caller_fake, NULL, NULL);
#endif
    f->busy = 0;
}
