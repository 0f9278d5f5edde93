/*
 * Cheap certificate key decoding on OpenSSL < 3.2 (keydecode.c). Process-wide.
 */
#ifndef TW_PROBE_KEYDECODE_H
#define TW_PROBE_KEYDECODE_H

#include <stdbool.h>

/* Turns it on where it applies (once; later calls do nothing). Returns 0, or -1. */
int	keydecode_init(void);
/*
 * Off and on again around code that makes keys of a claimed type by name from parameters
 * (EVP_PKEY_fromdata): that needs OpenSSL's provider implementation.
 */
void	keydecode_pause(void);
void	keydecode_resume(void);
/* Whether it is on. */
bool	keydecode_active(void);

#endif
