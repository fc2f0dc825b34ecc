// Typed wrappers for libcurl's variadic entry points, which Swift cannot call directly.
#include <curl/curl.h>

static inline CURLcode ccurl_setopt_string(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode ccurl_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode ccurl_setopt_off(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode ccurl_setopt_ptr(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode ccurl_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(h, o, v); }
typedef size_t (*ccurl_data_fn)(char *, size_t, size_t, void *);
static inline CURLcode ccurl_setopt_writefn(CURL *h, ccurl_data_fn fn) { return curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, fn); }
static inline CURLcode ccurl_setopt_readfn(CURL *h, ccurl_data_fn fn) { return curl_easy_setopt(h, CURLOPT_READFUNCTION, fn); }
static inline CURLcode ccurl_setopt_headerfn(CURL *h, ccurl_data_fn fn) { return curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, fn); }
typedef int (*ccurl_xferinfo_fn)(void *, curl_off_t, curl_off_t, curl_off_t, curl_off_t);
static inline CURLcode ccurl_setopt_xferinfofn(CURL *h, ccurl_xferinfo_fn fn) { return curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, fn); }
static inline CURLcode ccurl_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode ccurl_getinfo_off(CURL *h, CURLINFO i, curl_off_t *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode ccurl_getinfo_ptr(CURL *h, CURLINFO i, void **v) { return curl_easy_getinfo(h, i, v); }
static inline CURLMcode ccurl_multi_setopt_long(CURLM *m, CURLMoption o, long v) { return curl_multi_setopt(m, o, v); }
// CURLVERSION_NOW is a macro alias that Swift does not import.
static inline curl_version_info_data *ccurl_version_info(void) { return curl_version_info(CURLVERSION_NOW); }
typedef int (*ccurl_seek_fn)(void *, curl_off_t, int);
static inline CURLcode ccurl_setopt_seekfn(CURL *h, ccurl_seek_fn fn) { return curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, fn); }
