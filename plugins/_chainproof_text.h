/*
 * The canonical texts the record's hashes cover, assembled in C exactly as
 * sopframe.core.engine.events and sopframe.core.ledger assemble them in
 * Python (JSON strings quoted as json.encoder.encode_basestring quotes them,
 * integers in decimal, hashes in lower-case hex), and a small reader of the
 * compact JSON the writer stores.  Included by _chainproof.c only.
 */
#ifndef SOPFRAME_CHAINPROOF_TEXT_H
#define SOPFRAME_CHAINPROOF_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct { char *p; size_t n, cap; } Buf;

static inline int buf_reserve(Buf *b, size_t more) {
    if (b->n + more <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 512;
    while (cap < b->n + more) cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) return -1;
    b->p = p; b->cap = cap;
    return 0;
}

static inline int put(Buf *b, const void *s, size_t n) {
    if (buf_reserve(b, n)) return -1;
    memcpy(b->p + b->n, s, n); b->n += n;
    return 0;
}
#define PUTS(b, lit) put((b), (lit), sizeof(lit) - 1)

/* A text as a JSON string, as Python's json.encoder.encode_basestring writes it. */
static inline int put_quoted(Buf *b, const unsigned char *s, size_t n) {
    static const char hex[] = "0123456789abcdef";
    if (buf_reserve(b, 2 + 6 * n)) return -1;
    char *o = b->p + b->n;
    *o++ = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        if (c == '"') { *o++ = '\\'; *o++ = '"'; }
        else if (c == '\\') { *o++ = '\\'; *o++ = '\\'; }
        else if (c >= 0x20) *o++ = (char)c;
        else if (c == '\n') { *o++ = '\\'; *o++ = 'n'; }
        else if (c == '\r') { *o++ = '\\'; *o++ = 'r'; }
        else if (c == '\t') { *o++ = '\\'; *o++ = 't'; }
        else if (c == '\b') { *o++ = '\\'; *o++ = 'b'; }
        else if (c == '\f') { *o++ = '\\'; *o++ = 'f'; }
        else { memcpy(o, "\\u00", 4); o += 4; *o++ = hex[c >> 4]; *o++ = hex[c & 15]; }
    }
    *o++ = '"';
    b->n = (size_t)(o - b->p);
    return 0;
}

/* byte -> its two lower-case hex digits */
static const char hex_pairs[513] =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f"
    "303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
    "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f"
    "909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
    "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeef"
    "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

static inline void to_hex(const unsigned char *h, char *out) {
    for (int i = 0; i < 32; i++) memcpy(out + 2 * i, hex_pairs + 2 * h[i], 2);
}

static inline int put_hex(Buf *b, const unsigned char *h) {
    if (buf_reserve(b, 64)) return -1;
    to_hex(h, b->p + b->n); b->n += 64;
    return 0;
}

static inline int put_int(Buf *b, long long v) {  /* decimal, as Python writes an int */
    char tmp[24], *e = tmp + sizeof tmp, *p = e;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do { *--p = (char)('0' + u % 10); u /= 10; } while (u);
    if (v < 0) *--p = '-';
    return put(b, p, (size_t)(e - p));
}

/* ------------------------------------------------------------------ JSON */

/* The end of the JSON string starting at p[0] == '"', or NULL. */
static inline const char *skip_string(const char *p, const char *end) {
    for (p++; p < end; p++) {
        if (*p == '\\') p++;
        else if (*p == '"') return p + 1;
    }
    return NULL;
}

/* The end of the JSON value starting at p (compact JSON, as the writer stores it), or NULL. */
static inline const char *skip_value(const char *p, const char *end) {
    if (p >= end) return NULL;
    if (*p == '"') return skip_string(p, end);
    if (*p != '{' && *p != '[') {
        while (p < end && *p != ',' && *p != '}' && *p != ']') p++;
        return p;
    }
    int depth = 0;
    while (p < end) {
        if (*p == '"') { if (!(p = skip_string(p, end))) return NULL; continue; }
        if (*p == '{' || *p == '[') depth++;
        else if ((*p == '}' || *p == ']') && --depth == 0) return p + 1;
        p++;
    }
    return NULL;
}

/* The text of the value of top-level key "template" of a JSON object: 1 found, 0 absent, -1 unexpected. */
static inline int template_value(const char *p, size_t n, const char **val, size_t *len) {
    const char *end = p + n;
    if (n < 2 || *p != '{' || end[-1] != '}') return -1;
    p++;
    if (*p == '}') return p + 1 == end ? 0 : -1;
    while (p < end) {
        if (*p != '"') return -1;
        const char *k = p, *ke = skip_string(p, end);
        if (!ke || ke >= end || *ke != ':') return -1;
        const char *v = ke + 1, *ve = skip_value(v, end);
        if (!ve || ve >= end) return -1;
        if (ke - k == 10 && memcmp(k, "\"template\"", 10) == 0) { *val = v; *len = (size_t)(ve - v); return 1; }
        if (*ve == '}') return ve + 1 == end ? 0 : -1;
        if (*ve != ',') return -1;
        p = ve + 1;
    }
    return -1;
}

#endif
