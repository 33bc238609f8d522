/* LibC layer: the C library the Embedded Swift runtime links against, implemented by the
 * kernel (memory, console, randomness, math). This header only exposes the hooks Swift uses to
 * plug the kernel heap in (HAL/HeapHooks.swift); the libc functions themselves are declared by
 * the compiler's own headers. */
#ifndef ORRERY_LIBC_SHIMS_H
#define ORRERY_LIBC_SHIMS_H
#include <stddef.h>
#include <stdint.h>

/* Installs the kernel heap: from then on posix_memalign/free go to these functions.
   alloc returns NULL when memory is exhausted (posix_memalign then returns ENOMEM). */
typedef void *(*libc_alloc_fn)(size_t size, size_t alignment);
typedef void (*libc_free_fn)(void *pointer);
void libc_install_heap(libc_alloc_fn alloc, libc_free_fn free);

/* Boot-stage allocator statistics (bytes handed out of the static arena). */
size_t libc_boot_arena_used(void);
size_t libc_boot_arena_size(void);
#endif
