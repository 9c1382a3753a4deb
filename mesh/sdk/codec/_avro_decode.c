/* The native Avro decoder: a schema-resolution program (nested tuples built by mesh/sdk/codec/native.py
 * from the same decisions as the generated Python decoder) compiled once into C nodes, then walked per
 * message. `decode(buf) -> (value, end)`, reading `buf` (bytes) from the program's offset.
 *
 * Every read is bounds-checked; truncated, malformed or unresolvable data raises, and the caller asks
 * fastavro for its verdict (mesh.sdk.codec.decoding), so only the values of well-formed data must equal
 * fastavro's. Conversions it does not do natively (uuids, large decimals, other logical types) call
 * the Python converters the program carries.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <datetime.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

enum {
    D_NULL = 0, D_BOOLEAN = 1, D_LONG = 2, D_FLOAT = 3, D_DOUBLE = 4, D_BYTES = 5, D_STRING = 6, D_FIXED = 7,
    D_ENUM = 8, D_ARRAY = 9, D_MAP = 10, D_RECORD = 11, D_UNION = 12, D_CONVERT = 13, D_REF = 14, D_FAIL = 15,
    D_INT_TO_FLOAT = 16, D_STRING_TO_BYTES = 17, D_BYTES_TO_STRING = 18, D_DATE = 19, D_TIMESTAMP_MILLIS = 20,
    D_TIMESTAMP_MICROS = 21, D_DECIMAL = 22,
};

/* record entries */
enum { E_READ = 0, E_SKIP = 1, E_DEFAULT = 2, E_DEFAULT_COPY = 3 };

typedef struct DNode DNode;

typedef struct {
    int action;
    PyObject *name;   /* borrowed: the reader's field name */
    PyObject *value;  /* E_DEFAULT*: the default (copied with `copy` when mutable) */
    DNode *type;      /* E_READ: what to read; E_SKIP: the writer's type to skip */
} Entry;

struct DNode {
    int op;
    Py_ssize_t size;     /* D_FIXED bytes; D_ENUM symbols; D_UNION branches; D_RECORD entries;
                            D_ARRAY: the fewest bytes an item takes (0: items may take none) */
    PyObject *obj;       /* D_ENUM: tuple of symbols (None: unresolvable); D_CONVERT: converter; D_FAIL: message */
    PyObject *copy;      /* D_RECORD: copy.deepcopy for mutable defaults */
    int64_t bound;       /* D_DECIMAL: 10**precision (0: always the converter) */
    int scale;           /* D_DECIMAL */
    DNode *child;        /* D_ARRAY items, D_MAP values, D_CONVERT / promotions / logical: inner, D_REF target */
    DNode **branches;    /* D_UNION */
    Entry *entries;      /* D_RECORD */
    DNode *next_alloc;
};

/* Items that take no bytes (null, an empty record, fixed(0)) cannot be checked against the data left: a
   hostile count of them would allocate gigabytes. One value may hold at most EMPTY_ITEMS_LIMIT of them. */
#define EMPTY_ITEMS_LIMIT 4194304
typedef struct {
    const unsigned char *p, *end;
    int64_t empty_left;  /* how many more items that take no bytes this value may hold */
} Reader;

typedef struct {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    PyObject *program;
    PyObject *defs;
    Py_ssize_t offset;
    DNode *root;
    DNode *allocs;
} Decoder;

static PyObject *lookup_error;  /* LookupError: what fastavro-style resolution failures raise in Python too */
static PyObject *decimal_type;  /* decimal.Decimal */

/* -- reading primitives ------------------------------------------------------------------------------- */

static int truncated(void) {
    PyErr_SetString(PyExc_IndexError, "native decoder: truncated Avro data");
    return -1;
}

/* Counts `count` items of array node `n` against the value's budget of items that take no bytes. */
static int take_empty_items(DNode *n, Reader *r, int64_t count) {
    if (n->size > 0) return 0;
    if (count > r->empty_left) {
        PyErr_Format(PyExc_MemoryError, "an array holds over %d items that take no bytes (a block of %lld): "
                     "refused, a corrupt or hostile count", EMPTY_ITEMS_LIMIT, (long long)count);
        return -1;
    }
    r->empty_left -= count;
    return 0;
}

static inline int read_long(Reader *r, int64_t *out) {
    uint64_t z = 0;
    int shift = 0;
    while (r->p < r->end) {
        unsigned char c = *r->p++;
        z |= (uint64_t)(c & 0x7F) << shift;
        if (c < 0x80) {
            *out = (int64_t)(z >> 1) ^ -(int64_t)(z & 1);
            return 0;
        }
        shift += 7;
        if (shift > 63) {
            PyErr_SetString(PyExc_ValueError, "native decoder: varint longer than 10 bytes");
            return -1;
        }
    }
    return truncated();
}

static int read_span(Reader *r, const char **start, Py_ssize_t *size) {
    int64_t n;
    if (read_long(r, &n) < 0) return -1;
    if (n < 0) {
        PyErr_Format(PyExc_ValueError, "native decoder: negative length %lld", (long long)n);
        return -1;
    }
    if (n > r->end - r->p) return truncated();
    *start = (const char *)r->p;
    *size = (Py_ssize_t)n;
    r->p += n;
    return 0;
}

/* the proleptic Gregorian date `days` after 1970-01-01 (Howard Hinnant's civil_from_days) */
static void civil_from_days(int64_t days, int *year, int *month, int *day) {
    days += 719468;
    const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    const unsigned doe = (unsigned)(days - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *day = (int)(doy - (153 * mp + 2) / 5 + 1);
    *month = (int)(mp < 10 ? mp + 3 : mp - 9);
    *year = (int)(yoe + era * 400 + (*month <= 2));
}

static PyObject *make_date(int64_t days) {
    if (days < -719162 || days > 2932896) {  /* 0001-01-01 .. 9999-12-31, as date.fromordinal allows */
        PyErr_SetString(PyExc_OverflowError, "native decoder: date out of range");
        return NULL;
    }
    int y, m, d;
    civil_from_days(days, &y, &m, &d);
    return PyDate_FromDate(y, m, d);
}

static PyObject *make_timestamp(int64_t micros) {
    /* EPOCH + timedelta(microseconds=micros), in UTC */
    const int64_t per_day = 86400000000LL;
    int64_t days = micros / per_day, rest = micros % per_day;
    if (rest < 0) { rest += per_day; days -= 1; }
    if (days < -719162 || days > 2932896) {
        PyErr_SetString(PyExc_OverflowError, "native decoder: timestamp out of range");
        return NULL;
    }
    int y, m, d;
    civil_from_days(days, &y, &m, &d);
    int64_t seconds = rest / 1000000;
    return PyDateTimeAPI->DateTime_FromDateAndTime(y, m, d, (int)(seconds / 3600), (int)(seconds / 60 % 60),
                                                   (int)(seconds % 60), (int)(rest % 1000000),
                                                   PyDateTime_TimeZone_UTC, PyDateTimeAPI->DateTimeType);
}

/* -- decoding ----------------------------------------------------------------------------------------- */

static PyObject *decode(DNode *n, Reader *r);

/* A decimal (bytes, or fixed of n->size bytes): the unscaled two's-complement integer scaled by the
 * writer's scale. Up to 8 bytes and within the precision, Decimal("<unscaled>E-<scale>") is exactly what
 * fastavro's create_decimal(unscaled).scaleb(-scale) gives (same coefficient, same exponent); anything
 * else goes to the converter with the raw bytes. */
static PyObject *decode_decimal(DNode *n, Reader *r) {
    const char *start;
    Py_ssize_t size = n->size;
    if (size < 0) {
        if (read_span(r, &start, &size) < 0) return NULL;
    } else {
        if (r->end - r->p < size) { truncated(); return NULL; }
        start = (const char *)r->p;
        r->p += size;
    }
    if (size <= 8 && n->bound > 0) {
        int64_t unscaled = 0;
        if (size > 0) {
            unscaled = (signed char)start[0];  /* sign-extends the first byte */
            for (Py_ssize_t i = 1; i < size; i++) unscaled = (int64_t)((uint64_t)unscaled << 8) | (unsigned char)start[i];
        }
        if (unscaled > -n->bound && unscaled < n->bound) {
            char text[48];
            snprintf(text, sizeof(text), "%lldE%d", (long long)unscaled, -n->scale);
            PyObject *str = PyUnicode_FromString(text);
            if (str == NULL) return NULL;
            PyObject *value = PyObject_CallOneArg(decimal_type, str);
            Py_DECREF(str);
            return value;
        }
    }
    PyObject *raw = PyBytes_FromStringAndSize(start, size);
    if (raw == NULL) return NULL;
    PyObject *value = PyObject_CallOneArg(n->obj, raw);
    Py_DECREF(raw);
    return value;
}
static int skip(DNode *n, Reader *r);

/* Array and map blocks: a count, items, ... , 0; a negative count is followed by the block's size. */
static int next_block(Reader *r, int64_t *count) {
    if (read_long(r, count) < 0) return -1;
    if (*count < 0) {
        int64_t size;
        if (*count == INT64_MIN) return truncated();
        *count = -*count;
        if (read_long(r, &size) < 0) return -1;
    }
    return 0;
}

static PyObject *decode_array(DNode *n, Reader *r) {
    PyObject *list = PyList_New(0);
    if (list == NULL) return NULL;
    int64_t count;
    if (next_block(r, &count) < 0) goto fail;
    while (count) {
        if (n->size > 0 && count > (r->end - r->p) / n->size) { truncated(); goto fail; }  /* garbage counts */
        if (take_empty_items(n, r, count) < 0) goto fail;
        for (int64_t i = 0; i < count; i++) {
            PyObject *item = decode(n->child, r);
            if (item == NULL) goto fail;
            int rc = PyList_Append(list, item);
            Py_DECREF(item);
            if (rc < 0) goto fail;
        }
        if (next_block(r, &count) < 0) goto fail;
    }
    return list;
fail:
    Py_DECREF(list);
    return NULL;
}

static PyObject *decode_string(Reader *r) {
    const char *start;
    Py_ssize_t size;
    if (read_span(r, &start, &size) < 0) return NULL;
    return PyUnicode_DecodeUTF8(start, size, NULL);
}

static PyObject *decode_map(DNode *n, Reader *r) {
    PyObject *map = PyDict_New();
    if (map == NULL) return NULL;
    int64_t count;
    if (next_block(r, &count) < 0) goto fail;
    while (count) {
        if (count > r->end - r->p) { truncated(); goto fail; }
        for (int64_t i = 0; i < count; i++) {
            PyObject *key = decode_string(r);
            if (key == NULL) goto fail;
            PyObject *value = decode(n->child, r);
            if (value == NULL) { Py_DECREF(key); goto fail; }
            int rc = PyDict_SetItem(map, key, value);
            Py_DECREF(key);
            Py_DECREF(value);
            if (rc < 0) goto fail;
        }
        if (next_block(r, &count) < 0) goto fail;
    }
    return map;
fail:
    Py_DECREF(map);
    return NULL;
}

static PyObject *decode_record(DNode *n, Reader *r) {
    PyObject *record = PyDict_New();
    if (record == NULL) return NULL;
    for (Py_ssize_t i = 0; i < n->size; i++) {
        Entry *e = &n->entries[i];
        PyObject *value;
        switch (e->action) {
        case E_SKIP:
            if (skip(e->type, r) < 0) goto fail;
            continue;
        case E_READ:
            value = decode(e->type, r);
            break;
        case E_DEFAULT:
            value = Py_NewRef(e->value);
            break;
        default:  /* E_DEFAULT_COPY: a list or dict default, fresh for every record as fastavro's */
            value = PyObject_CallOneArg(n->copy, e->value);
            break;
        }
        if (value == NULL) goto fail;
        int rc = PyDict_SetItem(record, e->name, value);
        Py_DECREF(value);
        if (rc < 0) goto fail;
    }
    return record;
fail:
    Py_DECREF(record);
    return NULL;
}

static PyObject *decode(DNode *n, Reader *r) {
    switch (n->op) {
    case D_NULL:
        Py_RETURN_NONE;
    case D_BOOLEAN:
        if (r->p >= r->end) { truncated(); return NULL; }
        return PyBool_FromLong(*r->p++ != 0);
    case D_LONG: {
        int64_t v;
        if (read_long(r, &v) < 0) return NULL;
        return PyLong_FromLongLong(v);
    }
    case D_FLOAT:
        if (r->end - r->p < 4) { truncated(); return NULL; }
        r->p += 4;
        return PyFloat_FromDouble(PyFloat_Unpack4((const char *)r->p - 4, 1));
    case D_DOUBLE:
        if (r->end - r->p < 8) { truncated(); return NULL; }
        r->p += 8;
        return PyFloat_FromDouble(PyFloat_Unpack8((const char *)r->p - 8, 1));
    case D_BYTES: {
        const char *start;
        Py_ssize_t size;
        if (read_span(r, &start, &size) < 0) return NULL;
        return PyBytes_FromStringAndSize(start, size);
    }
    case D_STRING:
    case D_BYTES_TO_STRING:
        return decode_string(r);
    case D_STRING_TO_BYTES: {  /* fastavro decodes the text, then encodes it: invalid UTF-8 raises */
        PyObject *text = decode_string(r);
        if (text == NULL) return NULL;
        PyObject *bytes = PyUnicode_AsUTF8String(text);
        Py_DECREF(text);
        return bytes;
    }
    case D_FIXED:
        if (r->end - r->p < n->size) { truncated(); return NULL; }
        r->p += n->size;
        return PyBytes_FromStringAndSize((const char *)r->p - n->size, n->size);
    case D_ENUM: {
        int64_t i;
        if (read_long(r, &i) < 0) return NULL;
        if (i < 0 || i >= n->size) {
            PyErr_Format(PyExc_ValueError, "native decoder: enum index %lld is outside the schema", (long long)i);
            return NULL;
        }
        PyObject *symbol = PyTuple_GET_ITEM(n->obj, i);
        if (symbol == Py_None) {
            PyErr_SetString(lookup_error, "native decoder: the reader's enum has no such symbol and no default");
            return NULL;
        }
        return Py_NewRef(symbol);
    }
    case D_ARRAY:
    case D_MAP:
    case D_RECORD:
    case D_REF: {
        if (Py_EnterRecursiveCall(" in the native Avro decoder")) return NULL;
        PyObject *v = n->op == D_ARRAY ? decode_array(n, r)
                      : n->op == D_MAP ? decode_map(n, r)
                      : n->op == D_RECORD ? decode_record(n, r)
                      : decode(n->child, r);
        Py_LeaveRecursiveCall();
        return v;
    }
    case D_UNION: {
        int64_t i;
        if (read_long(r, &i) < 0) return NULL;
        if (i < 0 || i >= n->size) {
            PyErr_Format(PyExc_ValueError, "native decoder: union index %lld is outside the schema", (long long)i);
            return NULL;
        }
        return decode(n->branches[i], r);
    }
    case D_CONVERT: {
        PyObject *raw = decode(n->child, r);
        if (raw == NULL) return NULL;
        PyObject *v = PyObject_CallOneArg(n->obj, raw);
        Py_DECREF(raw);
        return v;
    }
    case D_FAIL:
        PyErr_SetObject(lookup_error, n->obj);
        return NULL;
    case D_INT_TO_FLOAT: {
        int64_t v;
        if (read_long(r, &v) < 0) return NULL;
        return PyFloat_FromDouble((double)v);
    }
    case D_DATE: {
        int64_t v;
        if (read_long(r, &v) < 0) return NULL;
        return make_date(v);
    }
    case D_TIMESTAMP_MILLIS:
    case D_TIMESTAMP_MICROS: {
        int64_t v;
        if (read_long(r, &v) < 0) return NULL;
        if (n->op == D_TIMESTAMP_MILLIS) {
            if (v > INT64_MAX / 1000 || v < INT64_MIN / 1000) {
                PyErr_SetString(PyExc_OverflowError, "native decoder: timestamp out of range");
                return NULL;
            }
            v *= 1000;
        }
        return make_timestamp(v);
    }
    case D_DECIMAL:
        return decode_decimal(n, r);
    }
    PyErr_Format(PyExc_SystemError, "native decoder: bad opcode %d", n->op);
    return NULL;
}

/* Move past a value of the writer's type without building it. */
static int skip(DNode *n, Reader *r) {
    int64_t v;
    const char *start;
    Py_ssize_t size;
    switch (n->op) {
    case D_NULL:
        return 0;
    case D_BOOLEAN:
        if (r->p >= r->end) return truncated();
        r->p++;
        return 0;
    case D_LONG: case D_ENUM: case D_INT_TO_FLOAT: case D_DATE: case D_TIMESTAMP_MILLIS: case D_TIMESTAMP_MICROS:
        return read_long(r, &v);
    case D_FLOAT:
    case D_DOUBLE:
    case D_FIXED: {
        Py_ssize_t width = n->op == D_FLOAT ? 4 : n->op == D_DOUBLE ? 8 : n->size;
        if (r->end - r->p < width) return truncated();
        r->p += width;
        return 0;
    }
    case D_BYTES: case D_STRING: case D_STRING_TO_BYTES: case D_BYTES_TO_STRING:
        return read_span(r, &start, &size);
    case D_DECIMAL:
        if (n->size < 0) return read_span(r, &start, &size);
        if (r->end - r->p < n->size) return truncated();
        r->p += n->size;
        return 0;
    case D_ARRAY:
    case D_MAP: {
        int64_t count;
        if (next_block(r, &count) < 0) return -1;
        while (count) {
            if (n->op == D_MAP ? count > r->end - r->p : n->size > 0 && count > (r->end - r->p) / n->size)
                return truncated();
            if (n->op == D_ARRAY && take_empty_items(n, r, count) < 0) return -1;
            for (int64_t i = 0; i < count; i++) {
                if (n->op == D_MAP && read_span(r, &start, &size) < 0) return -1;
                if (skip(n->child, r) < 0) return -1;
            }
            if (next_block(r, &count) < 0) return -1;
        }
        return 0;
    }
    case D_RECORD:
    case D_REF: {
        if (Py_EnterRecursiveCall(" in the native Avro decoder")) return -1;
        int rc = 0;
        if (n->op == D_REF) {
            rc = skip(n->child, r);
        } else {
            for (Py_ssize_t i = 0; i < n->size && rc == 0; i++) {
                if (n->entries[i].type != NULL) rc = skip(n->entries[i].type, r);
            }
        }
        Py_LeaveRecursiveCall();
        return rc;
    }
    case D_UNION:
        if (read_long(r, &v) < 0) return -1;
        if (v < 0 || v >= n->size) {
            PyErr_SetString(PyExc_ValueError, "native decoder: union index is outside the schema");
            return -1;
        }
        return skip(n->branches[v], r);
    case D_CONVERT:
        return skip(n->child, r);
    }
    PyErr_Format(PyExc_SystemError, "native decoder: cannot skip opcode %d", n->op);
    return -1;
}

/* -- compiling the program ---------------------------------------------------------------------------- */

typedef struct {
    Decoder *decoder;
    PyObject *defs;
    DNode **def_nodes;
} Compiler;

static DNode *new_node(Compiler *c, int op) {
    DNode *n = PyMem_Calloc(1, sizeof(DNode));
    if (n == NULL) { PyErr_NoMemory(); return NULL; }
    n->op = op;
    n->next_alloc = c->decoder->allocs;
    c->decoder->allocs = n;
    return n;
}

static int bad_program(const char *what) {
    PyErr_Format(PyExc_ValueError, "native decoder program: %s", what);
    return -1;
}

static int compile_into(Compiler *c, PyObject *prog, DNode *n);

static DNode *compile_node(Compiler *c, PyObject *prog) {
    if (!PyTuple_Check(prog) || PyTuple_GET_SIZE(prog) < 1) {
        bad_program("each node is a tuple (opcode, ...)");
        return NULL;
    }
    long op = PyLong_AsLong(PyTuple_GET_ITEM(prog, 0));
    if (op == -1 && PyErr_Occurred()) return NULL;
    if (op == D_REF) {
        if (PyTuple_GET_SIZE(prog) != 2) { bad_program("ref takes (14, index)"); return NULL; }
        Py_ssize_t i = PyLong_AsSsize_t(PyTuple_GET_ITEM(prog, 1));
        if (i < 0 || i >= PyTuple_GET_SIZE(c->defs)) {
            if (!PyErr_Occurred()) bad_program("ref index out of range");
            return NULL;
        }
        DNode *ref = new_node(c, D_REF);
        if (ref != NULL) ref->child = c->def_nodes[i];
        return ref;
    }
    DNode *n = new_node(c, (int)op);
    if (n == NULL || compile_into(c, prog, n) < 0) return NULL;
    return n;
}

#define ARGS(count) \
    if (PyTuple_GET_SIZE(prog) != (count) + 1) return bad_program("wrong number of arguments")
#define ARG(i) PyTuple_GET_ITEM(prog, (i) + 1)

static int compile_into(Compiler *c, PyObject *prog, DNode *n) {
    long op = PyLong_AsLong(PyTuple_GET_ITEM(prog, 0));
    n->op = (int)op;
    switch (op) {
    case D_NULL: case D_BOOLEAN: case D_LONG: case D_FLOAT: case D_DOUBLE: case D_BYTES: case D_STRING:
    case D_INT_TO_FLOAT: case D_STRING_TO_BYTES: case D_BYTES_TO_STRING: case D_DATE: case D_TIMESTAMP_MILLIS:
    case D_TIMESTAMP_MICROS:
        ARGS(0);
        return 0;
    case D_FIXED:
        ARGS(1);
        n->size = PyLong_AsSsize_t(ARG(0));
        return n->size < 0 ? bad_program("fixed size") : 0;
    case D_ENUM:
        ARGS(1);
        if (!PyTuple_CheckExact(ARG(0))) return bad_program("enum takes a tuple of symbols");
        n->obj = ARG(0);
        n->size = PyTuple_GET_SIZE(n->obj);
        return 0;
    case D_ARRAY:
    case D_MAP:
        ARGS(1);
        n->child = compile_node(c, ARG(0));
        return n->child ? 0 : -1;
    case D_CONVERT:
        ARGS(2);
        if (!PyCallable_Check(ARG(0))) return bad_program("convert takes (converter, inner)");
        n->obj = ARG(0);
        n->child = compile_node(c, ARG(1));
        return n->child ? 0 : -1;
    case D_FAIL:
        ARGS(1);
        n->obj = ARG(0);
        return 0;
    case D_DECIMAL:  /* (converter, fixed size or -1 for bytes, 10**precision or 0, scale) */
        ARGS(4);
        if (!PyCallable_Check(ARG(0))) return bad_program("decimal takes a converter");
        n->obj = ARG(0);
        n->size = PyLong_AsSsize_t(ARG(1));
        n->bound = PyLong_AsLongLong(ARG(2));
        n->scale = (int)PyLong_AsLong(ARG(3));
        if (PyErr_Occurred()) return -1;
        return (n->scale < 0 || n->size < -1) ? bad_program("decimal scale or size") : 0;
    case D_UNION: {
        ARGS(1);
        PyObject *branches = ARG(0);
        if (!PyTuple_CheckExact(branches)) return bad_program("union takes a tuple of branches");
        n->size = PyTuple_GET_SIZE(branches);
        n->branches = PyMem_Calloc(n->size ? n->size : 1, sizeof(DNode *));
        if (n->branches == NULL) { PyErr_NoMemory(); return -1; }
        for (Py_ssize_t i = 0; i < n->size; i++) {
            if ((n->branches[i] = compile_node(c, PyTuple_GET_ITEM(branches, i))) == NULL) return -1;
        }
        return 0;
    }
    case D_RECORD: {
        ARGS(2);  /* (entries, copy) */
        PyObject *entries = ARG(0);
        if (!PyTuple_CheckExact(entries)) return bad_program("record takes a tuple of entries");
        n->copy = ARG(1);
        n->size = PyTuple_GET_SIZE(entries);
        n->entries = PyMem_Calloc(n->size ? n->size : 1, sizeof(Entry));
        if (n->entries == NULL) { PyErr_NoMemory(); return -1; }
        for (Py_ssize_t i = 0; i < n->size; i++) {
            PyObject *e = PyTuple_GET_ITEM(entries, i);  /* (action, name, payload) */
            if (!PyTuple_CheckExact(e) || PyTuple_GET_SIZE(e) != 3)
                return bad_program("an entry is (action, name, payload)");
            Entry *entry = &n->entries[i];
            entry->action = (int)PyLong_AsLong(PyTuple_GET_ITEM(e, 0));
            if (PyErr_Occurred()) return -1;
            entry->name = PyTuple_GET_ITEM(e, 1);
            if (entry->action != E_SKIP && !PyUnicode_CheckExact(entry->name))
                return bad_program("a read or default entry names its field");
            if (entry->action == E_READ || entry->action == E_SKIP) {
                if ((entry->type = compile_node(c, PyTuple_GET_ITEM(e, 2))) == NULL) return -1;
            } else if (entry->action == E_DEFAULT || entry->action == E_DEFAULT_COPY) {
                entry->value = PyTuple_GET_ITEM(e, 2);
                if (entry->action == E_DEFAULT_COPY && !PyCallable_Check(n->copy))
                    return bad_program("a mutable default needs the copy function");
            } else {
                return bad_program("unknown entry action");
            }
        }
        return 0;
    }
    }
    return bad_program("unknown opcode");
}

/* The fewest bytes a value of `n` takes; named records reached by reference count as 0 (no cycles). */
static Py_ssize_t min_width(DNode *n, int depth) {
    switch (n->op) {
    case D_NULL: case D_FAIL: case D_REF:
        return 0;
    case D_FLOAT:
        return 4;
    case D_DOUBLE:
        return 8;
    case D_FIXED:
        return n->size;
    case D_DECIMAL:
        return n->size < 0 ? 1 : n->size;
    case D_CONVERT:
        return depth > 32 ? 0 : min_width(n->child, depth + 1);
    case D_RECORD: {
        Py_ssize_t total = 0;
        for (Py_ssize_t i = 0; i < n->size && depth <= 32; i++) {
            if (n->entries[i].type != NULL) total += min_width(n->entries[i].type, depth + 1);
        }
        return total;
    }
    default:  /* varints, lengths, block counts, union indexes: at least one byte */
        return 1;
    }
}

/* -- the Decoder type --------------------------------------------------------------------------------- */

static PyObject *decoder_vectorcall(PyObject *self, PyObject *const *args, size_t nargsf, PyObject *kwnames) {
    Decoder *d = (Decoder *)self;
    if (PyVectorcall_NARGS(nargsf) != 1 || kwnames != NULL) {
        PyErr_SetString(PyExc_TypeError, "decode(buf) takes exactly one positional argument");
        return NULL;
    }
    PyObject *buf = args[0];
    if (!PyBytes_CheckExact(buf)) {
        PyErr_Format(PyExc_TypeError, "decode(buf) takes bytes, got %.100s", Py_TYPE(buf)->tp_name);
        return NULL;
    }
    Py_ssize_t size = PyBytes_GET_SIZE(buf);
    if (d->offset > size) {
        truncated();
        return NULL;
    }
    Reader r = {(const unsigned char *)PyBytes_AS_STRING(buf) + d->offset,
                (const unsigned char *)PyBytes_AS_STRING(buf) + size, EMPTY_ITEMS_LIMIT};
    PyObject *value = decode(d->root, &r);
    if (value == NULL) return NULL;
    Py_ssize_t end = (const char *)r.p - PyBytes_AS_STRING(buf);
    PyObject *result = Py_BuildValue("(Nn)", value, end);
    return result;
}

static void free_nodes(Decoder *d) {
    DNode *n = d->allocs;
    while (n != NULL) {
        DNode *next = n->next_alloc;
        PyMem_Free(n->entries);
        PyMem_Free(n->branches);
        PyMem_Free(n);
        n = next;
    }
    d->allocs = NULL;
    d->root = NULL;
}

static PyObject *decoder_new(PyTypeObject *type, PyObject *args, PyObject *kwargs) {
    static char *names[] = {"program", "defs", "offset", NULL};
    PyObject *program, *defs;
    Py_ssize_t offset = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OO!|n", names, &program, &PyTuple_Type, &defs, &offset))
        return NULL;
    if (offset < 0) {
        PyErr_SetString(PyExc_ValueError, "offset must not be negative");
        return NULL;
    }
    Decoder *d = (Decoder *)type->tp_alloc(type, 0);
    if (d == NULL) return NULL;
    d->vectorcall = decoder_vectorcall;
    d->offset = offset;
    d->program = Py_NewRef(program);
    d->defs = Py_NewRef(defs);
    Compiler c = {d, defs, NULL};
    Py_ssize_t count = PyTuple_GET_SIZE(defs);
    c.def_nodes = PyMem_Calloc(count ? count : 1, sizeof(DNode *));
    if (c.def_nodes == NULL) { PyErr_NoMemory(); goto fail; }
    for (Py_ssize_t i = 0; i < count; i++) {
        if ((c.def_nodes[i] = new_node(&c, D_RECORD)) == NULL) goto fail;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *def = PyTuple_GET_ITEM(defs, i);
        if (!PyTuple_Check(def) || PyTuple_GET_SIZE(def) < 1) { bad_program("a def is a node tuple"); goto fail; }
        if (compile_into(&c, def, c.def_nodes[i]) < 0) goto fail;
    }
    if ((d->root = compile_node(&c, program)) == NULL) goto fail;
    for (DNode *n = d->allocs; n != NULL; n = n->next_alloc) {  /* arrays: bound item counts by the data left */
        if (n->op == D_ARRAY) n->size = min_width(n->child, 0);
    }
    PyMem_Free(c.def_nodes);
    return (PyObject *)d;
fail:
    PyMem_Free(c.def_nodes);
    Py_DECREF(d);
    return NULL;
}

static int decoder_traverse(Decoder *d, visitproc visit, void *arg) {
    Py_VISIT(d->program);
    Py_VISIT(d->defs);
    return 0;
}

static int decoder_clear(Decoder *d) {
    free_nodes(d);
    Py_CLEAR(d->program);
    Py_CLEAR(d->defs);
    return 0;
}

static void decoder_dealloc(Decoder *d) {
    PyObject_GC_UnTrack(d);
    decoder_clear(d);
    Py_TYPE(d)->tp_free((PyObject *)d);
}

static PyTypeObject DecoderType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "mesh.sdk.codec._avro_decode.Decoder",
    .tp_doc = "Decoder(program, defs, offset=0): calling it with bytes returns (value, end offset).",
    .tp_basicsize = sizeof(Decoder),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_new = decoder_new,
    .tp_dealloc = (destructor)decoder_dealloc,
    .tp_traverse = (traverseproc)decoder_traverse,
    .tp_clear = (inquiry)decoder_clear,
    .tp_call = PyVectorcall_Call,
    .tp_vectorcall_offset = offsetof(Decoder, vectorcall),
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "mesh.sdk.codec._avro_decode",
    .m_doc = "Native Avro decoder for resolution programs built by mesh.sdk.codec.native.",
    .m_size = -1,
};

PyMODINIT_FUNC PyInit__avro_decode(void) {
    PyDateTime_IMPORT;
    if (PyDateTimeAPI == NULL) return NULL;
    lookup_error = PyExc_LookupError;
    PyObject *decimal = PyImport_ImportModule("decimal");
    if (decimal == NULL) return NULL;
    decimal_type = PyObject_GetAttrString(decimal, "Decimal");
    Py_DECREF(decimal);
    if (decimal_type == NULL) return NULL;
    if (PyType_Ready(&DecoderType) < 0) return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) return NULL;
    Py_INCREF(&DecoderType);
    if (PyModule_AddObject(m, "Decoder", (PyObject *)&DecoderType) < 0) {
        Py_DECREF(&DecoderType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
