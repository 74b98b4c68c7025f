/*
 * dmarc_record.h - the DMARC Policy Record parser (RFC 9989 4.7, 4.8).
 *
 * A TXT record is a DMARC Policy Record when its first tag is v=DMARC1 (exact case);
 * anything else is not one, and the tree walk ignores it. After v, the record is read
 * leniently, as RFC 9989 4.8 requires: each ";"-separated tag-spec goes through the
 * shared tag-list parser (taglist.h) on its own; a malformed tag-spec, an unknown tag
 * and the tags RFC 9989 made historic (pct, rf, ri) are ignored; a known tag with a
 * malformed value keeps its default, except p, sp and np, whose invalidity the
 * policy discovery must see (RFC 9989 4.10.1), so it is reported in the record.
 * A tag given twice counts as a malformed value.
 */
#ifndef ECLUSE_DMARC_RECORD_H
#define ECLUSE_DMARC_RECORD_H

#include <stddef.h>

/* Tag-specs read in one record; the registry has 13 tags, so more is not a record
 * anybody writes (and bounds the work on hostile TXT data). */
#define DMARC_RECORD_TAGS_MAX 32

enum dmarc_policy {
	DMARC_POLICY_NONE = 0,
	DMARC_POLICY_QUARANTINE,
	DMARC_POLICY_REJECT,
};

enum dmarc_align { DMARC_ALIGN_RELAXED = 0, DMARC_ALIGN_STRICT };

enum dmarc_psd { DMARC_PSD_U = 0, DMARC_PSD_Y, DMARC_PSD_N };

/* Presence and validity of p, sp and np. */
enum dmarc_tag_state { DMARC_TAG_ABSENT = 0, DMARC_TAG_VALID, DMARC_TAG_INVALID };

struct dmarc_record {
	enum dmarc_tag_state	 p_state;	/* absent means p=none (RFC 9989 4.7) */
	enum dmarc_policy	 p;
	enum dmarc_tag_state	 sp_state;
	enum dmarc_policy	 sp;
	enum dmarc_tag_state	 np_state;
	enum dmarc_policy	 np;
	enum dmarc_align	 adkim, aspf;	/* default relaxed */
	enum dmarc_psd		 psd;		/* default u */
	int			 testing;	/* t=y */
	int			 rua_valid;	/* rua holds a syntactically valid URI */
	unsigned		 ignored;	/* tag-specs ignored (malformed, unknown, historic) */
};

enum dmarc_record_err {
	DMARC_RECORD_OK = 0,
	DMARC_RECORD_NOT_DMARC,	/* does not start with v=DMARC1: not a policy record */
};

/* Parses one TXT record (its strings already joined). */
enum dmarc_record_err dmarc_record_parse(const char *buf, size_t len,
    struct dmarc_record *rec);

/* "none", "quarantine", "reject". */
const char *dmarc_policy_name(enum dmarc_policy p);

#endif
