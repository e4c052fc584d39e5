/*
 * The whole-store proof's data and entry points: _chainproof_scan.c reads
 * and checks, _chainproof.c hands the result to Python.
 */
#ifndef SOPFRAME_CHAINPROOF_SCAN_H
#define SOPFRAME_CHAINPROOF_SCAN_H

#include <openssl/evp.h>
#include <sqlite3.h>

#include "_chainproof_text.h"


/* One thread's connection, digest context and text buffer. */
typedef struct {
    sqlite3 *db;
    EVP_MD_CTX *ctx;
    const EVP_MD *md;
    Buf text;
    Buf head;  /* the ledger's last entry and head row as this connection's snapshot shows them */
    const char *why;  /* why not proven (a static string), NULL while all holds */
} Reader;

typedef struct {  /* a ledger entry or pending batch */
    const char *job; size_t job_at; int joblen;  /* the job id: job_at in names while reading, then job */
    sqlite3_int64 n, first, last;
    unsigned char head[32], hash[32];
    size_t order;  /* position in ledger order (entries by n, then pending batches by id) */
} Entry;

typedef struct {  /* a job as its chain was proven */
    const char *job; size_t job_at; int joblen;
    size_t first;  /* index of its first event's hash in digests */
    sqlite3_int64 count;
} Job;

/* The jobs below a middle job id, or from it on: each part read by a thread of its own. */
typedef struct {
    Reader r;
    const unsigned char *mid; int midlen, upper;  /* no mid: every job */
    Job *jobs; size_t n_jobs, cap_jobs; Buf names;
    Buf digests;  /* every event's hash, job after job */
    Buf *pinned; size_t n_pinned, cap_pinned;  /* distinct "template" values of the start events */
} Part;

#define PARTS 2

typedef struct {
    Reader lr;  /* the ledger's reader */
    Entry *entries; size_t n_entries, n_chained, cap_entries; Buf names;
    Part part[PARTS];
    int parts;
    Buf mid;
    Entry **by_job;
    const char *why;
} Scan;

/* Prove the store at `uri` (read-only); 0 when proven, else -1 with s->why.  No Python calls. */
int chainproof_scan(Scan *s, const char *uri);
/* Release what chainproof_scan() allocated (also after a failure). */
void chainproof_free(Scan *s);

#endif
