/*
 * Reading and checking a whole SQLite store for the proof (see _chainproof.c
 * for what is proven and why it is never more lenient than the Python path).
 */
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>

#include "_chainproof_scan.h"

#if OPENSSL_VERSION_NUMBER >= 0x30000000L
/* fetched once: EVP_sha256() would be looked up again at every digest */
#define FETCH_SHA256() EVP_MD_fetch(NULL, "SHA256", NULL)
#define FREE_MD(md) EVP_MD_free(md)
#define DIGEST_INIT(ctx, md) EVP_DigestInit_ex2((ctx), (md), NULL)
#else
#define FETCH_SHA256() ((EVP_MD *)EVP_sha256())
#define FREE_MD(md) ((void)(md))
#define DIGEST_INIT(ctx, md) EVP_DigestInit_ex((ctx), (md), NULL)
#endif

static const char GENESIS[] = "0000000000000000000000000000000000000000000000000000000000000000";

static int sha(Reader *r, const void *p, size_t n, unsigned char out[32]) {
    unsigned int len = 0;
    return DIGEST_INIT(r->ctx, r->md) == 1 && EVP_DigestUpdate(r->ctx, p, n) == 1 &&
           EVP_DigestFinal_ex(r->ctx, out, &len) == 1 && len == 32 ? 0 : -1;
}

static int is_hash(sqlite3_value *v) {
    return sqlite3_value_type(v) == SQLITE_BLOB && sqlite3_value_bytes(v) == 32;
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

static void *grow(void *p, size_t *cap, size_t n, size_t size) {  /* room for element n */
    if (n < *cap) return p;
    size_t c = *cap ? 2 * *cap : 1024;
    void *q = realloc(p, c * size);
    if (q) *cap = c;
    return q;
}

#define FAIL(msg) do { r->why = (msg); goto done; } while (0)

/* Open a read-only connection, start its read transaction and read the ledger's head in it. */
static int reader_open(Reader *r, const char *uri, const EVP_MD *md) {
    sqlite3_stmt *st = NULL;
    int ok = -1;
    r->md = md;
    /* each connection is used by one thread: no mutex around every column read */
    if (sqlite3_open_v2(uri, &r->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
        FAIL("the database cannot be opened");
    sqlite3_busy_timeout(r->db, 30000);
    if (!(r->ctx = EVP_MD_CTX_new())) FAIL("SHA-256 is not available");
    if (sqlite3_exec(r->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
        /* the last entry (the head on SQLite) and the head row: any append in between changes one of them */
        sqlite3_prepare_v2(r->db, "SELECT coalesce((SELECT n || ':' || hex(hash) FROM ledger ORDER BY n DESC LIMIT 1), "
                           "'-') || '/' || n || ':' || hash FROM ledger_head WHERE id = 1", -1, &st, NULL)
            != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW || sqlite3_column_type(st, 0) != SQLITE_TEXT)
        FAIL("the ledger's head cannot be read");
    if (put(&r->head, sqlite3_column_text(st, 0), (size_t)sqlite3_column_bytes(st, 0))) FAIL("out of memory");
    ok = 0;
done:
    sqlite3_finalize(st);
    return ok;
}

static void reader_close(Reader *r) {
    if (r->ctx) EVP_MD_CTX_free(r->ctx);
    if (r->db) sqlite3_close(r->db);
    free(r->text.p);
    free(r->head.p);
}

/* ------------------------------------------------------------------ the ledger */

static Entry *new_entry(Scan *s, const unsigned char *job, int joblen) {
    Entry *p = grow(s->entries, &s->cap_entries, s->n_entries, sizeof *p);
    if (!p) return NULL;
    s->entries = p;
    Entry *e = &p[s->n_entries];
    memset(e, 0, sizeof *e);
    e->job_at = s->names.n;
    e->joblen = joblen;
    if (put(&s->names, job, (size_t)joblen)) return NULL;
    e->order = s->n_entries++;
    return e;
}

/* The ledger's chain; its entries and the pending batches kept for the coverage check. */
static int scan_ledger(Scan *s) {
    Reader *r = &s->lr;
    sqlite3_stmt *st = NULL;
    unsigned char digest[32], prev[32];
    int ok = -1, rc, have_prev = 0;
    if (sqlite3_prepare_v2(r->db, "SELECT n, job, first_seq, last_seq, head, hash, roles FROM ledger ORDER BY n",
                           -1, &st, NULL) != SQLITE_OK) FAIL("the ledger cannot be read");
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        sqlite3_value *v[7];  /* one connection, one thread (NOMUTEX): the row's values are read directly */
        for (int c = 0; c < 7; c++) v[c] = sqlite3_column_value(st, c);
        if (sqlite3_value_type(v[0]) != SQLITE_INTEGER || sqlite3_value_type(v[1]) != SQLITE_TEXT ||
            sqlite3_value_type(v[2]) != SQLITE_INTEGER || sqlite3_value_type(v[3]) != SQLITE_INTEGER ||
            !is_hash(v[4]) || !is_hash(v[5]) || (sqlite3_value_type(v[6]) != SQLITE_NULL && !is_hash(v[6])))
            FAIL("a ledger entry holds a column of another type");
        const unsigned char *job = sqlite3_value_text(v[1]);
        int joblen = sqlite3_value_bytes(v[1]);
        Entry *e = new_entry(s, job, joblen);
        if (!e) FAIL("out of memory");
        e->n = sqlite3_value_int64(v[0]);
        e->first = sqlite3_value_int64(v[2]);
        e->last = sqlite3_value_int64(v[3]);
        memcpy(e->head, sqlite3_value_blob(v[4]), 32);
        if (e->n != (sqlite3_int64)s->n_entries) FAIL("the ledger's entries are not numbered 1, 2, ...");
        Buf *t = &r->text;
        t->n = 0;
        if (PUTS(t, "{\"first\":") || put_int(t, e->first) || PUTS(t, ",\"head\":\"") || put_hex(t, e->head) ||
            PUTS(t, "\",\"job\":") || put_quoted(t, job, (size_t)joblen) || PUTS(t, ",\"last\":") ||
            put_int(t, e->last) || PUTS(t, ",\"n\":") || put_int(t, e->n) || PUTS(t, ",\"prev\":\"") ||
            (have_prev ? put_hex(t, prev) : put(t, GENESIS, 64)))
            FAIL("out of memory");
        if (sqlite3_value_type(v[6]) == SQLITE_NULL ? PUTS(t, "\"}") :
            PUTS(t, "\",\"roles\":\"") || put_hex(t, sqlite3_value_blob(v[6])) || PUTS(t, "\"}"))
            FAIL("out of memory");
        if (sha(r, t->p, t->n, digest)) FAIL("SHA-256 failed");
        if (memcmp(digest, sqlite3_value_blob(v[5]), 32)) FAIL("a ledger entry does not match its hash");
        memcpy(e->hash, digest, 32);
        memcpy(prev, digest, 32);
        have_prev = 1;
    }
    if (rc != SQLITE_DONE) FAIL("the ledger cannot be read");
    s->n_chained = s->n_entries;
    sqlite3_finalize(st);
    st = NULL;
    if (sqlite3_prepare_v2(r->db, "SELECT job, first_seq, last_seq, head FROM ledger_pending ORDER BY id", -1, &st,
                           NULL) != SQLITE_OK) FAIL("the pending batches cannot be read");
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (sqlite3_column_type(st, 0) != SQLITE_TEXT || sqlite3_column_type(st, 1) != SQLITE_INTEGER ||
            sqlite3_column_type(st, 2) != SQLITE_INTEGER || !is_hash(sqlite3_column_value(st, 3)))
            FAIL("a pending batch holds a column of another type");
        Entry *e = new_entry(s, sqlite3_column_text(st, 0), sqlite3_column_bytes(st, 0));
        if (!e) FAIL("out of memory");
        e->n = (sqlite3_int64)s->n_entries;
        e->first = sqlite3_column_int64(st, 1);
        e->last = sqlite3_column_int64(st, 2);
        memcpy(e->head, sqlite3_column_blob(st, 3), 32);
    }
    if (rc != SQLITE_DONE) FAIL("the pending batches cannot be read");
    ok = 0;
done:
    sqlite3_finalize(st);
    return ok;
}

static void *ledger_thread(void *arg) {
    scan_ledger((Scan *)arg);
    return NULL;
}

static int scan_jobs(Part *s);

static void *part_thread(void *arg) {
    scan_jobs((Part *)arg);
    return NULL;
}

/* ------------------------------------------------------------------ the jobs */

/* Remember the "template" value of a start event's data, once per distinct text (absent: an empty text). */
static int pin(Part *s, const char *data, size_t n) {
    const char *v = "";
    size_t len = 0;
    if (template_value(data, n, &v, &len) < 0) return -1;
    for (size_t i = 0; i < s->n_pinned; i++)
        if (s->pinned[i].n == len && memcmp(s->pinned[i].p, v, len) == 0) return 0;
    Buf *p = grow(s->pinned, &s->cap_pinned, s->n_pinned, sizeof *p);
    if (!p) return -1;
    s->pinned = p;
    Buf *b = &p[s->n_pinned++];
    memset(b, 0, sizeof *b);
    return len ? put(b, v, len) : 0;
}

/* One job's events (the statement is on its first row): its chain, to the head the jobs table records. */
static int scan_job(Part *s, sqlite3_stmt *ev, int *re, Job *j, sqlite3_int64 head_seq, const void *head_hash) {
    Reader *r = &s->r;
    Buf tail = {0};  /* ,"job":"...","prev":" */
    unsigned char digest[32];
    sqlite3_int64 seq = 0;
    int ok = -1;
    const char *job = s->names.p + j->job_at;
    if (PUTS(&tail, ",\"job\":") || put_quoted(&tail, (const unsigned char *)job, (size_t)j->joblen) ||
        PUTS(&tail, ",\"prev\":\"")) FAIL("out of memory");
    for (; *re == SQLITE_ROW; *re = sqlite3_step(ev)) {
        sqlite3_value *v[7];  /* one connection, one thread (NOMUTEX): the row's values are read directly */
        for (int c = 0; c < 7; c++) v[c] = sqlite3_column_value(ev, c);
        if (sqlite3_value_type(v[0]) != SQLITE_TEXT ||
            cmp_job((const char *)sqlite3_value_text(v[0]), sqlite3_value_bytes(v[0]), job, j->joblen) != 0) break;
        if (sqlite3_value_type(v[1]) != SQLITE_INTEGER || sqlite3_value_type(v[2]) != SQLITE_TEXT ||
            sqlite3_value_type(v[3]) != SQLITE_TEXT || sqlite3_value_type(v[4]) != SQLITE_TEXT ||
            sqlite3_value_type(v[5]) != SQLITE_TEXT || !is_hash(v[6]))
            FAIL("an event holds a column of another type");
        if (sqlite3_value_int64(v[1]) != ++seq) FAIL("a job's events are not numbered 1, 2, ...");
        const unsigned char *type = sqlite3_value_text(v[2]), *data = sqlite3_value_text(v[3]);
        int type_n = sqlite3_value_bytes(v[2]), data_n = sqlite3_value_bytes(v[3]);
        Buf *t = &r->text;
        t->n = 0;
        if (PUTS(t, "{\"actor\":") || put_quoted(t, sqlite3_value_text(v[4]), (size_t)sqlite3_value_bytes(v[4])) ||
            PUTS(t, ",\"at\":") || put_quoted(t, sqlite3_value_text(v[5]), (size_t)sqlite3_value_bytes(v[5])) ||
            PUTS(t, ",\"data\":") || put(t, data, (size_t)data_n) || put(t, tail.p, tail.n) ||
            (seq == 1 ? put(t, GENESIS, 64) : put_hex(t, digest)) || PUTS(t, "\",\"seq\":") || put_int(t, seq) ||
            PUTS(t, ",\"type\":") || put_quoted(t, type, (size_t)type_n) || PUTS(t, "}"))
            FAIL("out of memory");
        if (sha(r, t->p, t->n, digest)) FAIL("SHA-256 failed");
        if (memcmp(digest, sqlite3_value_blob(v[6]), 32)) FAIL("an event does not match its hash");
        if (put(&s->digests, digest, 32)) FAIL("out of memory");
        if (seq == 1 && type_n == 11 && memcmp(type, "job.started", 11) == 0 && pin(s, (const char *)data, (size_t)data_n))
            FAIL("a start event's data is not the JSON object the writer stores");
    }
    if (*re != SQLITE_ROW && *re != SQLITE_DONE) FAIL("the events cannot be read");
    if (head_seq != seq || (seq && memcmp(head_hash, digest, 32))) FAIL("a job's chain does not end at its recorded head");
    j->count = seq;
    ok = 0;
done:
    free(tail.p);
    return ok;
}

/* The SQL condition of a part: together the parts read every row with a job (a primary key, never NULL). */
static const char *part_where(const Part *s) {
    if (!s->mid) return "";
    return s->upper ? " WHERE job >= ?1" : " WHERE job < ?1";
}

/* Every job's chain in one part; each job's event hashes kept for the coverage check. */
static int scan_jobs(Part *s) {
    Reader *r = &s->r;
    sqlite3_stmt *jobs = NULL, *ev = NULL;
    int ok = -1, rj, re;
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT job, head_seq, head_hash FROM jobs%s ORDER BY job", part_where(s));
    if (sqlite3_prepare_v2(r->db, sql, -1, &jobs, NULL) != SQLITE_OK) FAIL("the jobs cannot be read");
    snprintf(sql, sizeof sql, "SELECT job, seq, type, data, actor, at, hash FROM events%s ORDER BY job, seq",
             part_where(s));
    if (sqlite3_prepare_v2(r->db, sql, -1, &ev, NULL) != SQLITE_OK) FAIL("the events cannot be read");
    if (s->mid && (sqlite3_bind_text(jobs, 1, (const char *)s->mid, s->midlen, SQLITE_STATIC) != SQLITE_OK ||
                   sqlite3_bind_text(ev, 1, (const char *)s->mid, s->midlen, SQLITE_STATIC) != SQLITE_OK))
        FAIL("the jobs cannot be read");
    re = sqlite3_step(ev);
    while ((rj = sqlite3_step(jobs)) == SQLITE_ROW) {
        if (sqlite3_column_type(jobs, 0) != SQLITE_TEXT || sqlite3_column_type(jobs, 1) != SQLITE_INTEGER ||
            !is_hash(sqlite3_column_value(jobs, 2))) FAIL("a job's head holds a column of another type");
        const char *job = (const char *)sqlite3_column_text(jobs, 0);
        int joblen = sqlite3_column_bytes(jobs, 0);
        if (re == SQLITE_ROW && cmp_job((const char *)sqlite3_column_text(ev, 0), sqlite3_column_bytes(ev, 0), job,
                                        joblen) < 0)
            FAIL("events of a job the store has no head for");
        Job *p = grow(s->jobs, &s->cap_jobs, s->n_jobs, sizeof *p);
        if (!p) FAIL("out of memory");
        s->jobs = p;
        Job *j = &p[s->n_jobs++];
        j->job_at = s->names.n;
        j->joblen = joblen;
        j->first = s->digests.n / 32;
        if (put(&s->names, job, (size_t)joblen)) FAIL("out of memory");
        if (scan_job(s, ev, &re, j, sqlite3_column_int64(jobs, 1), sqlite3_column_blob(jobs, 2))) goto done;
    }
    if (rj != SQLITE_DONE) FAIL("the jobs cannot be read");
    if (re != SQLITE_DONE) FAIL("events of a job the store has no head for");
    ok = 0;
done:
    sqlite3_finalize(jobs);
    sqlite3_finalize(ev);
    return ok;
}

/* ------------------------------------------------------------------ coverage */

#undef FAIL
#define FAIL(msg) do { s->why = (msg); return -1; } while (0)

/* The ledger's entries tile each job's events and name the hash of each batch's last event. */
static int check_coverage(Scan *s) {
    if (!(s->by_job = malloc((s->n_entries ? s->n_entries : 1) * sizeof *s->by_job))) FAIL("out of memory");
    for (size_t i = 0; i < s->n_entries; i++) {
        s->entries[i].job = s->names.p + s->entries[i].job_at;  /* every name is read: nothing moves now */
        s->by_job[i] = &s->entries[i];
    }
    qsort(s->by_job, s->n_entries, sizeof *s->by_job, cmp_entry);
    size_t li = 0;
    for (int q = 0; q < s->parts; q++) {  /* the parts in order: every job of the first is below every later one */
      Part *part = &s->part[q];
      const unsigned char *digests = (const unsigned char *)part->digests.p;
      for (size_t k = 0; k < part->n_jobs; k++) {
        Job *j = &part->jobs[k];
        j->job = part->names.p + j->job_at;
        if (li < s->n_entries && cmp_job(s->by_job[li]->job, s->by_job[li]->joblen, j->job, j->joblen) < 0)
            FAIL("the ledger names a job the store does not have");
        sqlite3_int64 upto = 0;
        for (; li < s->n_entries && cmp_job(s->by_job[li]->job, s->by_job[li]->joblen, j->job, j->joblen) == 0; li++) {
            Entry *e = s->by_job[li];
            if (e->first != upto + 1 || e->last < e->first) FAIL("the ledger's batches do not tile a job");
            if (e->last > j->count) FAIL("the ledger records events a job does not have");
            if (memcmp(e->head, digests + 32 * (j->first + (size_t)e->last - 1), 32))
                FAIL("a ledger entry names another hash for an event");
            upto = e->last;
        }
        if (upto != j->count) FAIL("a job has events the ledger does not record");
      }
    }
    if (li != s->n_entries) FAIL("the ledger names a job the store does not have");
    return 0;
}

/* The middle job id, read in the ledger's transaction (a text: else one part reads every job). */
static void find_mid(Scan *s) {
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->lr.db, "SELECT job FROM jobs ORDER BY job LIMIT 1 OFFSET (SELECT count(*) / 2 FROM jobs)",
                           -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
        sqlite3_column_type(st, 0) == SQLITE_TEXT && sqlite3_column_bytes(st, 0) > 0 &&
        put(&s->mid, sqlite3_column_text(st, 0), (size_t)sqlite3_column_bytes(st, 0)) == 0) {
        s->parts = PARTS;
        for (int q = 0; q < PARTS; q++) {
            s->part[q].mid = (const unsigned char *)s->mid.p;
            s->part[q].midlen = (int)s->mid.n;
            s->part[q].upper = q;
        }
    }
    sqlite3_finalize(st);
}

/* The whole proof (no Python calls: run without the GIL). */
int chainproof_scan(Scan *s, const char *uri) {
    EVP_MD *md = FETCH_SHA256();
    pthread_t threads[PARTS + 1];
    int rc = -1;
    if (!md) { s->why = "SHA-256 is not available"; return -1; }
    s->parts = 1;
    if (reader_open(&s->lr, uri, md)) goto done;
    find_mid(s);
    for (int q = 0; q < s->parts; q++) {
        Reader *r = &s->part[q].r;
        if (reader_open(r, uri, md)) goto done;
        if (r->head.n != s->lr.head.n || memcmp(r->head.p, s->lr.head.p, r->head.n)) {
            s->why = "the store changed while verification began";  /* an append in between: the caller retries */
            goto done;
        }
    }
    /* the ledger and each part at once; where a thread cannot start, the work is done here, in turn */
    int threaded[PARTS + 1] = {0};
    threaded[0] = pthread_create(&threads[0], NULL, ledger_thread, s) == 0;
    for (int q = 0; q < s->parts; q++) threaded[q + 1] = pthread_create(&threads[q + 1], NULL, part_thread, &s->part[q]) == 0;
    if (!threaded[0]) scan_ledger(s);
    for (int q = 0; q < s->parts; q++) if (!threaded[q + 1]) scan_jobs(&s->part[q]);
    for (int q = 0; q <= s->parts; q++) if (threaded[q]) pthread_join(threads[q], NULL);
    if (s->lr.why) { s->why = s->lr.why; goto done; }
    for (int q = 0; q < s->parts; q++) if (s->part[q].r.why) { s->why = s->part[q].r.why; goto done; }
    rc = check_coverage(s);
done:
    if (!s->why) s->why = s->lr.why;
    for (int q = 0; q < s->parts && !s->why; q++) s->why = s->part[q].r.why;
    FREE_MD(md);
    return rc;
}

void chainproof_free(Scan *s) {
    reader_close(&s->lr);
    free(s->entries); free(s->names.p); free(s->by_job); free(s->mid.p);
    for (int q = 0; q < PARTS; q++) {
        Part *part = &s->part[q];
        reader_close(&part->r);
        free(part->jobs); free(part->names.p); free(part->digests.p);
        for (size_t i = 0; i < part->n_pinned; i++) free(part->pinned[i].p);
        free(part->pinned);
    }
}

