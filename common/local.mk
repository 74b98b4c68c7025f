noinst_LIBRARIES += common/libcommon.a
common_libcommon_a_SOURCES = \
	common/config.c common/config.h \
	common/log.c common/log.h \
	common/xmalloc.c common/xmalloc.h
common_libcommon_a_CFLAGS = $(AM_CFLAGS) $(INIH_CFLAGS)
common_libcommon_a_SOURCES += common/template.c common/template.h
