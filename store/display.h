/*
 * display.h - the Subject and Date of a held message as people see them in lists,
 * taken from the message's header (common/header.h), internal to store/.
 */
#ifndef ECLUSE_STORE_DISPLAY_H
#define ECLUSE_STORE_DISPLAY_H

#include <stddef.h>

/*
 * Writes the value of the first header field called name in the message (msg, len)
 * into out (outsz bytes, NUL-terminated): unfolded, leading and trailing whitespace
 * removed, encoded-words left as they are. A value longer than outsz - 1 is cut on a
 * UTF-8 character boundary and ends with "..." (display only: the message itself is
 * kept whole). "" when the field is missing or the header is malformed.
 */
void store_display_field(const unsigned char *msg, size_t len, const char *name,
    char *out, size_t outsz);

#endif
