/* LibC layer: posix_memalign and free, which the Embedded Swift runtime calls for every class
 * instance, array and string buffer.
 *
 * Two stages:
 *  1. BOOT STAGE (temporary, until the kernel heap is installed): a bump allocator over a
 *     static 512 KiB arena. free() of arena memory does nothing (it is never reused), so this
 *     must only serve the few allocations made before Memory/ brings the heap up.
 *  2. Once Swift calls libc_install_heap (HAL/HeapHooks.swift), every allocation goes to the
 *     kernel heap; frees of boot-arena blocks are still ignored, all others are forwarded.
 */
/* errno values (Linux numbering); freestanding compilers ship no errno.h. */
#define EINVAL 22
#define ENOMEM 12
#include <stddef.h>
#include <stdint.h>
#include "libc_shims.h"

#define BOOT_ARENA_SIZE (512 * 1024)
static unsigned char boot_arena[BOOT_ARENA_SIZE] __attribute__((aligned(4096)));
static size_t boot_arena_next;
static libc_alloc_fn heap_alloc;
static libc_free_fn heap_free;

void libc_install_heap(libc_alloc_fn alloc, libc_free_fn free_fn) {
    heap_alloc = alloc;
    heap_free = free_fn;
}

size_t libc_boot_arena_used(void) { return boot_arena_next; }
size_t libc_boot_arena_size(void) { return BOOT_ARENA_SIZE; }

int posix_memalign(void **out, size_t alignment, size_t size) {
    /* POSIX: alignment must be a power of two multiple of sizeof(void *). */
    if (alignment < sizeof(void *) || (alignment & (alignment - 1)) != 0) return EINVAL;
    if (size == 0) size = 1;
    if (heap_alloc) {
        void *p = heap_alloc(size, alignment);
        if (!p) return ENOMEM;
        *out = p;
        return 0;
    }
    size_t start = (boot_arena_next + alignment - 1) & ~(alignment - 1);
    if (start > BOOT_ARENA_SIZE || size > BOOT_ARENA_SIZE - start) return ENOMEM;
    boot_arena_next = start + size;
    *out = &boot_arena[start];
    return 0;
}

void *malloc(size_t size) {
    void *p;
    return posix_memalign(&p, 16, size) == 0 ? p : NULL;
}

void free(void *p) {
    if (!p) return;
    if ((unsigned char *)p >= boot_arena && (unsigned char *)p < boot_arena + BOOT_ARENA_SIZE) return;
    if (heap_free) heap_free(p);
}
