/*
 * Whole-store proof of an SQLite store's record, in compiled code.
 *
 * The same checks as the Python path of `sopframe verify` (see
 * sopframe/evidence/verify.py and sopframe/core/engine/events.py), over the
 * schema-12 layout, in one read transaction:
 *
 *   1. every job's events form an unbroken hash chain (sequence numbers
 *      1, 2, ...; each hash SHA-256 over the canonical text assembled
 *      around the stored data text exactly as the writer assembled it)
 *      ending at the head the `jobs` table records;
 *   2. the ledger is an unbroken hash chain of entries numbered from 1;
 *   3. the ledger's entries (and the pending batches) tile each job's events
 *      and name the stored hash of each batch's last event; no entry names a
 *      job the store lacks, no job or event is missing from the ledger.
 *
 * It answers only "proven" or "not proven": anything unexpected (a broken
 * link, a column of another type, a job with events but no row) is "not
 * proven", and the caller then runs the Python path, which names the
 * problem.  So this code can make verification faster, never more lenient
 * than the Python path it mirrors.
 *
 * It opens its own read-only connection: verify() refuses unless the SQLite
 * library linked here is the very library Python's sqlite3 module uses
 * (two copies of SQLite in one process break each other's POSIX locks).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <dlfcn.h>
#include <openssl/evp.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct { char *p; size_t n, cap; } Buf;

static int buf_reserve(Buf *b, size_t more) {
    if (b->n + more <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 512;
    while (cap < b->n + more) cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) return -1;
    b->p = p; b->cap = cap;
    return 0;
}

static int put(Buf *b, const void *s, size_t n) {
    if (buf_reserve(b, n)) return -1;
    memcpy(b->p + b->n, s, n); b->n += n;
    return 0;
}
#define PUTS(b, lit) put((b), (lit), sizeof(lit) - 1)

/* A text as a JSON string, as Python's json.encoder.encode_basestring writes it. */
static int put_quoted(Buf *b, const unsigned char *s, size_t n) {
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

static void to_hex(const unsigned char *h, char *out) {
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) { out[2 * i] = hex[h[i] >> 4]; out[2 * i + 1] = hex[h[i] & 15]; }
}

static int put_hex(Buf *b, const unsigned char *h) {
    if (buf_reserve(b, 64)) return -1;
    to_hex(h, b->p + b->n); b->n += 64;
    return 0;
}

static int put_int(Buf *b, sqlite3_int64 v) {
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%lld", (long long)v);
    return put(b, tmp, (size_t)n);
}

/* ------------------------------------------------------------------ the scan */

typedef struct {
    char *job; int joblen;
    sqlite3_int64 n, first, last;
    unsigned char head[32];
    unsigned char hash[32];  /* the entry's own hash (chained entries) */
    int pending;
    size_t order;  /* position in ledger order (entries by n, then pending batches by id) */
} Entry;

typedef struct {
    sqlite3 *db;
    EVP_MD_CTX *ctx;
    const EVP_MD *md;
    Buf text;
    Entry *entries; size_t n_entries, n_chained, cap_entries;
    Entry **by_job;
    sqlite3_int64 jobs, events;
    const char *why;  /* why not proven (a static string) */
} Scan;

static int sha(Scan *s, const void *p, size_t n, unsigned char out[32]) {
    unsigned int len = 0;
    return EVP_DigestInit_ex(s->ctx, s->md, NULL) == 1 && EVP_DigestUpdate(s->ctx, p, n) == 1 &&
           EVP_DigestFinal_ex(s->ctx, out, &len) == 1 && len == 32 ? 0 : -1;
}

static int is_hash(sqlite3_stmt *st, int col) {
    return sqlite3_column_type(st, col) == SQLITE_BLOB && sqlite3_column_bytes(st, col) == 32;
}

static int cmp_job(const char *a, int an, const char *b, int bn) {  /* SQLite's BINARY collation */
    int c = memcmp(a, b, (size_t)(an < bn ? an : bn));
    return c ? c : an - bn;
}

static int cmp_entry(const void *x, const void *y) {
    const Entry *a = *(Entry *const *)x, *b = *(Entry *const *)y;
    int c = cmp_job(a->job, a->joblen, b->job, b->joblen);
    return c ? c : (a->order < b->order ? -1 : a->order > b->order);
}

#define FAIL(msg) do { s->why = (msg); goto done; } while (0)

static Entry *new_entry(Scan *s, const unsigned char *job, int joblen) {
    if (s->n_entries == s->cap_entries) {
        size_t cap = s->cap_entries ? 2 * s->cap_entries : 1024;
        Entry *p = realloc(s->entries, cap * sizeof *p);
        if (!p) return NULL;
        s->entries = p; s->cap_entries = cap;
    }
    Entry *e = &s->entries[s->n_entries];
    memset(e, 0, sizeof *e);
    e->job = malloc((size_t)joblen + 1);
    if (!e->job) return NULL;
    memcpy(e->job, job, (size_t)joblen);
    e->joblen = joblen;
    e->order = s->n_entries++;
    return e;
}

/* The ledger's chain; its entries and the pending batches kept for the coverage check. */
static int scan_ledger(Scan *s) {
    int ok = -1;
    sqlite3_stmt *st = NULL;
    unsigned char prev[32], digest[32];
    int have_prev = 0;
    if (sqlite3_prepare_v2(s->db, "SELECT n, job, first_seq, last_seq, head, hash, roles FROM ledger ORDER BY n",
                           -1, &st, NULL) != SQLITE_OK) FAIL("the ledger cannot be read");
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (sqlite3_column_type(st, 0) != SQLITE_INTEGER || sqlite3_column_type(st, 1) != SQLITE_TEXT ||
            sqlite3_column_type(st, 2) != SQLITE_INTEGER || sqlite3_column_type(st, 3) != SQLITE_INTEGER ||
            !is_hash(st, 4) || !is_hash(st, 5) ||
            (sqlite3_column_type(st, 6) != SQLITE_NULL && !is_hash(st, 6)))
            FAIL("a ledger entry holds a column of another type");
        const unsigned char *job = sqlite3_column_text(st, 1);
        int joblen = sqlite3_column_bytes(st, 1);
        Entry *e = new_entry(s, job, joblen);
        if (!e) FAIL("out of memory");
        e->n = sqlite3_column_int64(st, 0);
        e->first = sqlite3_column_int64(st, 2);
        e->last = sqlite3_column_int64(st, 3);
        memcpy(e->head, sqlite3_column_blob(st, 4), 32);
        if (e->n != (sqlite3_int64)s->n_entries) FAIL("the ledger's entries are not numbered 1, 2, ...");
        Buf *t = &s->text; t->n = 0;
        if (PUTS(t, "{\"first\":") || put_int(t, e->first) || PUTS(t, ",\"head\":\"") || put_hex(t, e->head) ||
            PUTS(t, "\",\"job\":") || put_quoted(t, job, (size_t)joblen) || PUTS(t, ",\"last\":") ||
            put_int(t, e->last) || PUTS(t, ",\"n\":") || put_int(t, e->n) || PUTS(t, ",\"prev\":\""))
            FAIL("out of memory");
        if (have_prev ? put_hex(t, prev) : put(t, "0000000000000000000000000000000000000000000000000000000000000000", 64))
            FAIL("out of memory");
        if (sqlite3_column_type(st, 6) == SQLITE_NULL) {
            if (PUTS(t, "\"}")) FAIL("out of memory");
        } else if (PUTS(t, "\",\"roles\":\"") || put_hex(t, sqlite3_column_blob(st, 6)) || PUTS(t, "\"}")) {
            FAIL("out of memory");
        }
        if (sha(s, t->p, t->n, digest)) FAIL("SHA-256 failed");
        if (memcmp(digest, sqlite3_column_blob(st, 5), 32)) FAIL("a ledger entry does not match its hash");
        memcpy(prev, digest, 32); have_prev = 1;
        memcpy(e->hash, digest, 32);
    }
    if (rc != SQLITE_DONE) FAIL("the ledger cannot be read");
    s->n_chained = s->n_entries;
    sqlite3_finalize(st);
    st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT job, first_seq, last_seq, head FROM ledger_pending ORDER BY id", -1, &st,
                           NULL) != SQLITE_OK) FAIL("the pending batches cannot be read");
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (sqlite3_column_type(st, 0) != SQLITE_TEXT || sqlite3_column_type(st, 1) != SQLITE_INTEGER ||
            sqlite3_column_type(st, 2) != SQLITE_INTEGER || !is_hash(st, 3))
            FAIL("a pending batch holds a column of another type");
        Entry *e = new_entry(s, sqlite3_column_text(st, 0), sqlite3_column_bytes(st, 0));
        if (!e) FAIL("out of memory");
        e->n = (sqlite3_int64)s->n_entries;
        e->first = sqlite3_column_int64(st, 1);
        e->last = sqlite3_column_int64(st, 2);
        memcpy(e->head, sqlite3_column_blob(st, 3), 32);
        e->pending = 1;
    }
    if (rc != SQLITE_DONE) FAIL("the pending batches cannot be read");
    ok = 0;
done:
    sqlite3_finalize(st);
    return ok;
}

/* Each job's chain, its head, and the ledger entries that tile it (entries sorted by job, then order). */
static int scan_jobs(Scan *s) {
    int ok = -1, rj, re = SQLITE_DONE;
    sqlite3_stmt *jobs = NULL, *ev = NULL;
    size_t li = 0;
    unsigned char prev[32], digest[32];
    static const char genesis[] = "0000000000000000000000000000000000000000000000000000000000000000";
    if (sqlite3_prepare_v2(s->db, "SELECT job, head_seq, head_hash FROM jobs ORDER BY job", -1, &jobs, NULL)
            != SQLITE_OK ||
        sqlite3_prepare_v2(s->db, "SELECT job, seq, type, data, actor, at, hash FROM events ORDER BY job, seq", -1,
                           &ev, NULL) != SQLITE_OK) FAIL("the jobs or their events cannot be read");
    re = sqlite3_step(ev);
    while ((rj = sqlite3_step(jobs)) == SQLITE_ROW) {
        if (sqlite3_column_type(jobs, 0) != SQLITE_TEXT || sqlite3_column_type(jobs, 1) != SQLITE_INTEGER ||
            !is_hash(jobs, 2)) FAIL("a job's head holds a column of another type");
        const char *job = (const char *)sqlite3_column_text(jobs, 0);
        int joblen = sqlite3_column_bytes(jobs, 0);
        sqlite3_int64 head_seq = sqlite3_column_int64(jobs, 1);
        s->jobs++;
        if (li < s->n_entries && cmp_job(s->by_job[li]->job, s->by_job[li]->joblen, job, joblen) < 0)
            FAIL("the ledger names a job the store does not have");
        if (re == SQLITE_ROW && cmp_job((const char *)sqlite3_column_text(ev, 0), sqlite3_column_bytes(ev, 0), job,
                                        joblen) < 0)
            FAIL("events of a job the store has no head for");
        Buf tail = {0};  /* ,"job":"...","prev":" */
        if (PUTS(&tail, ",\"job\":") || put_quoted(&tail, (const unsigned char *)job, (size_t)joblen) ||
            PUTS(&tail, ",\"prev\":\"")) { free(tail.p); FAIL("out of memory"); }
        sqlite3_int64 seq = 0, upto = 0;
        Entry *cur = NULL;
        while (re == SQLITE_ROW && sqlite3_column_type(ev, 0) == SQLITE_TEXT &&
               cmp_job((const char *)sqlite3_column_text(ev, 0), sqlite3_column_bytes(ev, 0), job, joblen) == 0) {
            if (sqlite3_column_type(ev, 1) != SQLITE_INTEGER || sqlite3_column_type(ev, 2) != SQLITE_TEXT ||
                sqlite3_column_type(ev, 3) != SQLITE_TEXT || sqlite3_column_type(ev, 4) != SQLITE_TEXT ||
                sqlite3_column_type(ev, 5) != SQLITE_TEXT || !is_hash(ev, 6)) {
                free(tail.p); FAIL("an event holds a column of another type");
            }
            if (sqlite3_column_int64(ev, 1) != ++seq) { free(tail.p); FAIL("a job's events are not numbered 1, 2, ..."); }
            Buf *t = &s->text; t->n = 0;
            int bad = PUTS(t, "{\"actor\":") ||
                put_quoted(t, sqlite3_column_text(ev, 4), (size_t)sqlite3_column_bytes(ev, 4)) ||
                PUTS(t, ",\"at\":") || put_quoted(t, sqlite3_column_text(ev, 5), (size_t)sqlite3_column_bytes(ev, 5)) ||
                PUTS(t, ",\"data\":") || put(t, sqlite3_column_text(ev, 3), (size_t)sqlite3_column_bytes(ev, 3)) ||
                put(t, tail.p, tail.n) || (seq == 1 ? put(t, genesis, 64) : put_hex(t, prev)) ||
                PUTS(t, "\",\"seq\":") || put_int(t, seq) || PUTS(t, ",\"type\":") ||
                put_quoted(t, sqlite3_column_text(ev, 2), (size_t)sqlite3_column_bytes(ev, 2)) || PUTS(t, "}");
            if (bad) { free(tail.p); FAIL("out of memory"); }
            if (sha(s, t->p, t->n, digest)) { free(tail.p); FAIL("SHA-256 failed"); }
            if (memcmp(digest, sqlite3_column_blob(ev, 6), 32)) { free(tail.p); FAIL("an event does not match its hash"); }
            memcpy(prev, digest, 32);
            s->events++;
            /* the ledger entry that ends here, if any, and the next one's start */
            if (!cur && li < s->n_entries && cmp_job(s->by_job[li]->job, s->by_job[li]->joblen, job, joblen) == 0) {
                cur = s->by_job[li];
                if (cur->first != upto + 1 || cur->last < cur->first) { free(tail.p); FAIL("the ledger's batches do not tile a job"); }
            }
            if (cur && cur->last == seq) {
                if (memcmp(cur->head, digest, 32)) { free(tail.p); FAIL("a ledger entry names another hash for an event"); }
                upto = seq; cur = NULL; li++;
            }
            re = sqlite3_step(ev);
        }
        free(tail.p);
        if (re != SQLITE_ROW && re != SQLITE_DONE) FAIL("the events cannot be read");
        if (head_seq != seq || (seq && memcmp(sqlite3_column_blob(jobs, 2), prev, 32)))
            FAIL("a job's chain does not end at its recorded head");
        if (cur || (li < s->n_entries && cmp_job(s->by_job[li]->job, s->by_job[li]->joblen, job, joblen) == 0))
            FAIL("the ledger records events a job does not have");
        if (upto != seq) FAIL("a job has events the ledger does not record");
    }
    if (rj != SQLITE_DONE) FAIL("the jobs cannot be read");
    if (re != SQLITE_DONE) FAIL("events of a job the store has no head for");
    if (li != s->n_entries) FAIL("the ledger names a job the store does not have");
    ok = 0;
done:
    sqlite3_finalize(jobs);
    sqlite3_finalize(ev);
    return ok;
}

static void scan_free(Scan *s) {
    for (size_t i = 0; i < s->n_entries; i++) free(s->entries[i].job);
    free(s->entries); free(s->by_job); free(s->text.p);
    if (s->ctx) EVP_MD_CTX_free(s->ctx);
    if (s->db) sqlite3_close(s->db);
}

/* The whole scan (no Python calls: run without the GIL). */
static int scan(Scan *s, const char *uri) {
    if (sqlite3_open_v2(uri, &s->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL) != SQLITE_OK) {
        s->why = "the database cannot be opened"; return -1;
    }
    sqlite3_busy_timeout(s->db, 30000);
    s->ctx = EVP_MD_CTX_new();
    s->md = EVP_sha256();
    if (!s->ctx || !s->md) { s->why = "SHA-256 is not available"; return -1; }
    if (sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) { s->why = "no read transaction"; return -1; }
    if (scan_ledger(s)) return -1;
    s->by_job = malloc((s->n_entries ? s->n_entries : 1) * sizeof *s->by_job);
    if (!s->by_job) { s->why = "out of memory"; return -1; }
    for (size_t i = 0; i < s->n_entries; i++) s->by_job[i] = &s->entries[i];
    qsort(s->by_job, s->n_entries, sizeof *s->by_job, cmp_entry);
    return scan_jobs(s);
}

/* ------------------------------------------------------------------ Python */

PyDoc_STRVAR(prove_doc,
"prove(uri, after, sizes) -> (jobs, events, entries, pending, roots, tail), or a str: why not proven\n\n"
"uri: an SQLite URI opened read-only; after: the ledger size the last checkpoint covers;\n"
"sizes: the entry numbers whose hashes to return (roots: {n: hex}); tail: (job, first, last)\n"
"of every entry after `after` and every pending batch, in ledger order.");

static PyObject *prove(PyObject *self, PyObject *args) {
    (void)self;
    const char *uri;
    long long after;
    PyObject *sizes;
    if (!PyArg_ParseTuple(args, "sLO", &uri, &after, &sizes)) return NULL;
    PyObject *wanted = PySequence_Fast(sizes, "sizes must be a sequence");
    if (!wanted) return NULL;
    Scan s;
    memset(&s, 0, sizeof s);
    int rc;
    Py_BEGIN_ALLOW_THREADS
    rc = scan(&s, uri);
    Py_END_ALLOW_THREADS
    PyObject *out = NULL, *roots = NULL, *tail = NULL;
    if (rc) {
        out = PyUnicode_FromString(s.why ? s.why : "not proven");
        goto done;
    }
    roots = PyDict_New();
    tail = PyList_New(0);
    if (!roots || !tail) goto done;
    for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(wanted); i++) {
        long long n = PyLong_AsLongLong(PySequence_Fast_GET_ITEM(wanted, i));
        if (n == -1 && PyErr_Occurred()) goto done;
        if (n < 1 || (size_t)n > s.n_chained) continue;
        char hex[64];
        to_hex(s.entries[n - 1].hash, hex);
        PyObject *key = PyLong_FromLongLong(n), *val = PyUnicode_FromStringAndSize(hex, 64);
        int bad = !key || !val || PyDict_SetItem(roots, key, val);
        Py_XDECREF(key);
        Py_XDECREF(val);
        if (bad) goto done;
    }
    size_t start = after > 0 ? (size_t)after : 0;  /* as many as the checkpoint covers, at most every entry */
    if (start > s.n_chained) start = s.n_chained;
    for (size_t i = start; i < s.n_entries; i++) {
        Entry *e = &s.entries[i];
        PyObject *item = Py_BuildValue("(s#LL)", e->job, (Py_ssize_t)e->joblen, (long long)e->first,
                                       (long long)e->last);
        if (!item || PyList_Append(tail, item)) { Py_XDECREF(item); goto done; }
        Py_DECREF(item);
    }
    out = Py_BuildValue("(LLnnOO)", (long long)s.jobs, (long long)s.events, (Py_ssize_t)s.n_chained,
                        (Py_ssize_t)(s.n_entries - s.n_chained), roots, tail);
done:
    Py_XDECREF(roots);
    Py_XDECREF(tail);
    Py_DECREF(wanted);
    scan_free(&s);
    return out;
}

PyDoc_STRVAR(same_library_doc,
"same_library(path) -> bool: whether the shared object at `path` (Python's _sqlite3 module), already\n"
"loaded, resolves SQLite to the same library this module is linked with.");

static PyObject *same_library(PyObject *self, PyObject *args) {
    (void)self;
    const char *path;
    if (!PyArg_ParseTuple(args, "s", &path)) return NULL;
    void *handle = dlopen(path, RTLD_NOW | RTLD_NOLOAD);
    if (!handle) Py_RETURN_FALSE;
    void *theirs = dlsym(handle, "sqlite3_libversion_number");
    dlclose(handle);
    if (theirs == (void *)&sqlite3_libversion_number) Py_RETURN_TRUE;
    Py_RETURN_FALSE;
}

static PyMethodDef methods[] = {
    {"prove", prove, METH_VARARGS, prove_doc},
    {"same_library", same_library, METH_VARARGS, same_library_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_chainproof",
    "Whole-store proof of an SQLite store's record, in compiled code (see store_proof.py).", -1, methods,
    NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__chainproof(void) { return PyModule_Create(&module); }
