/*
 * Whole-store proof of an SQLite store's record, in compiled code.
 *
 * The same checks as the Python path of `sopframe verify` (see
 * sopframe/evidence/verify.py and sopframe/core/engine/events.py), over the
 * schema-12 layout:
 *
 *   1. every job's events form an unbroken hash chain (sequence numbers
 *      1, 2, ...; each hash SHA-256 over the canonical text assembled
 *      around the stored data text exactly as the writer assembled it)
 *      ending at the head the `jobs` table records;
 *   2. the ledger is an unbroken hash chain of entries numbered from 1;
 *   3. the ledger's entries (and the pending batches) tile each job's events
 *      and name the hash of each batch's last event; no entry names a job
 *      the store lacks, no job or event is missing from the ledger.
 *
 * It answers only "proven" or "not proven": anything unexpected (a broken
 * link, a column of another type, a job with events but no row) is "not
 * proven", and the caller then runs the Python path, which names the
 * problem.  So this code can make verification faster, never more lenient
 * than the Python path it mirrors.
 *
 * Two read-only connections of its own read the ledger (one thread) and the
 * jobs with their events (another) at once; each reads the ledger's head
 * first, and the two must agree, so both see the store after the same last
 * append.  prove() is used only where the SQLite library linked here is the
 * very library Python's sqlite3 module uses (two copies of SQLite in one
 * process break each other's POSIX locks): see same_library().
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <dlfcn.h>

#include "_chainproof_scan.h"

/* ------------------------------------------------------------------ Python */

PyDoc_STRVAR(prove_doc,
"prove(uri, after, sizes) -> (jobs, events, entries, pending, roots, tail, pinned), or a str: why not proven\n\n"
"uri: an SQLite URI opened read-only; after: the ledger size the last checkpoint covers;\n"
"sizes: the entry numbers whose hashes to return (roots: {n: hex}); tail: (job, first, last)\n"
"of every entry after `after` and every pending batch, in ledger order; pinned: the distinct JSON texts\n"
"of the \"template\" value of the jobs' start events (\"\" where a start event has none).");

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
    rc = chainproof_scan(&s, uri);
    Py_END_ALLOW_THREADS
    PyObject *out = NULL, *roots = NULL, *tail = NULL, *pinned = NULL;
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
    pinned = PyList_New(0);
    if (!pinned) goto done;
    size_t jobs = 0, events = 0;
    for (int q = 0; q < s.parts; q++) {
        Part *part = &s.part[q];
        jobs += part->n_jobs;
        events += part->digests.n / 32;
        for (size_t i = 0; i < part->n_pinned; i++) {
            Buf *b = &part->pinned[i];
            PyObject *item = PyUnicode_DecodeUTF8(b->p ? b->p : "", (Py_ssize_t)b->n, "strict");
            if (!item || PyList_Append(pinned, item)) { Py_XDECREF(item); goto done; }
            Py_DECREF(item);
        }
    }
    out = Py_BuildValue("(nnnnOOO)", (Py_ssize_t)jobs, (Py_ssize_t)events, (Py_ssize_t)s.n_chained,
                        (Py_ssize_t)(s.n_entries - s.n_chained), roots, tail, pinned);
done:
    Py_XDECREF(roots);
    Py_XDECREF(tail);
    Py_XDECREF(pinned);
    Py_DECREF(wanted);
    chainproof_free(&s);
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
