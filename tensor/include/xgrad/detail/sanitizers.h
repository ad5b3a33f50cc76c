// XGRAD_ASAN: defined when this translation unit is built with AddressSanitizer, by GCC
// (which defines __SANITIZE_ADDRESS__) or by clang (which answers __has_feature instead).
// Under it the buffer cache and the small-block pool hand memory straight back, so ASan sees
// every use after free, and tests that measure resident memory skip (ASan's quarantine holds
// freed memory).
#pragma once

#if defined(__SANITIZE_ADDRESS__)
#define XGRAD_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define XGRAD_ASAN 1
#endif
#endif
