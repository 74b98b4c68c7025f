/*
 * fuzz_dmarc_record.c - libFuzzer target for the DMARC Policy Record parser: never
 * reads outside the input, and every field it fills holds one of its enum values;
 * a record is only recognised when the input holds "DMARC1".
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/dmarc_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dmarc_record r;
	enum dmarc_record_err err;

	err = dmarc_record_parse((const char *)data, size, &r);
	if (err == DMARC_RECORD_NOT_DMARC)
		return 0;
	if (err != DMARC_RECORD_OK || memmem(data, size, "DMARC1", 6) == NULL)
		abort();
	if (r.p_state > DMARC_TAG_INVALID || r.sp_state > DMARC_TAG_INVALID ||
	    r.np_state > DMARC_TAG_INVALID || r.p > DMARC_POLICY_REJECT ||
	    r.sp > DMARC_POLICY_REJECT || r.np > DMARC_POLICY_REJECT ||
	    r.adkim > DMARC_ALIGN_STRICT || r.aspf > DMARC_ALIGN_STRICT ||
	    r.psd > DMARC_PSD_N || (r.testing != 0 && r.testing != 1) ||
	    (r.rua_valid != 0 && r.rua_valid != 1))
		abort();
	/* an invalid policy tag never carries a policy */
	if ((r.p_state != DMARC_TAG_VALID && r.p != DMARC_POLICY_NONE) ||
	    (r.np_state != DMARC_TAG_VALID && r.np != DMARC_POLICY_NONE))
		abort();
	return 0;
}
