/* The native Avro encoder: a schema "program" (nested tuples built by mesh/sdk/codec/native.py) compiled
 * once into a tree of C nodes, then walked per datum, writing Avro binary into one buffer.
 *
 * Strict on purpose: it accepts only the exact Python types it was written for (dict, list, str, int,
 * float, bool, None, bytes, date, datetime, Decimal) and raises on anything else. The caller treats any
 * exception as "use the Python encoder", which converts, diagnoses and falls back to fastavro; so the
 * bytes this writes only ever need to equal fastavro's for the data it accepts. Conversions it does not
 * do natively (other logical types, non-UTC datetimes, unusual decimals, general unions) call back into
 * the Python functions the program carries, which implement fastavro's rules.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <datetime.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

enum {
    OP_NULL = 0, OP_BOOLEAN = 1, OP_INT = 2, OP_LONG = 3, OP_FLOAT = 4, OP_DOUBLE = 5, OP_BYTES = 6,
    OP_STRING = 7, OP_FIXED = 8, OP_ENUM = 9, OP_ARRAY = 10, OP_MAP = 11, OP_RECORD = 12,
    OP_UNION_NULL = 13, OP_UNION_SELECT = 14, OP_LOGICAL = 15, OP_REF = 16,
};

/* Natively converted logical types; anything else (and any value these do not cover) calls `prepare`. */
enum { LT_OTHER = 0, LT_DATE = 1, LT_TIMESTAMP_MILLIS = 2, LT_TIMESTAMP_MICROS = 3, LT_DECIMAL = 4, LT_UUID = 5 };

typedef struct Node Node;

typedef struct {
    PyObject *name;    /* borrowed from the program (interned str) */
    PyObject *fallback; /* value written when the field is missing, or NULL when the field is required */
    Node *type;
} Field;

struct Node {
    int op;
    int kind;             /* OP_LOGICAL: LT_* */
    Py_ssize_t size;      /* OP_FIXED: byte size; OP_RECORD: field count; OP_UNION_SELECT: branch count */
    int64_t index_a;      /* OP_UNION_NULL: branch index of null; OP_LOGICAL decimal: 10**scale */
    int64_t index_b;      /* OP_UNION_NULL: index of the other branch; OP_LOGICAL decimal: 10**precision */
    PyObject *obj;        /* OP_ENUM: symbol -> index dict; OP_LOGICAL: prepare(value); OP_UNION_SELECT: selector */
    PyObject *quantum;    /* OP_LOGICAL decimal: Decimal(1).scaleb(-scale) */
    Node *child;          /* OP_ARRAY items, OP_MAP values, OP_UNION_NULL other branch, OP_LOGICAL inner, OP_REF */
    Node **branches;      /* OP_UNION_SELECT */
    Field *fields;        /* OP_RECORD */
    Node *next_alloc;     /* every node of an encoder, for freeing */
};

typedef struct {
    char *data;
    Py_ssize_t len, cap;
    char small[512];
} Buffer;

typedef struct {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    PyObject *program;    /* kept alive: nodes borrow names, defaults, tables and callables from it */
    PyObject *defs;
    PyObject *prefix;
    Node *root;
    Node *allocs;
} Encoder;

static PyObject *decimal_type;    /* decimal.Decimal */
static PyObject *s_same_quantum;  /* interned method names */
static PyObject *s_as_integer_ratio;

/* -- output buffer ------------------------------------------------------------------------------------ */

static int grow(Buffer *b, Py_ssize_t need) {
    Py_ssize_t cap = b->cap * 2;
    while (cap < b->len + need) cap *= 2;
    char *data;
    if (b->data == b->small) {
        data = PyMem_Malloc(cap);
        if (data != NULL) memcpy(data, b->small, b->len);
    } else {
        data = PyMem_Realloc(b->data, cap);
    }
    if (data == NULL) { PyErr_NoMemory(); return -1; }
    b->data = data;
    b->cap = cap;
    return 0;
}

#define RESERVE(b, n) (((b)->len + (n) <= (b)->cap) ? 0 : grow((b), (n)))

static inline int put_bytes(Buffer *b, const char *p, Py_ssize_t n) {
    if (RESERVE(b, n) < 0) return -1;
    memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
}

static inline int put_byte(Buffer *b, unsigned char c) {
    if (RESERVE(b, 1) < 0) return -1;
    b->data[b->len++] = (char)c;
    return 0;
}

/* zig-zag varint of a 64-bit signed value (Avro int and long) */
static inline int put_long(Buffer *b, int64_t n) {
    if (RESERVE(b, 10) < 0) return -1;
    uint64_t z = ((uint64_t)n << 1) ^ (uint64_t)(n >> 63);
    unsigned char *p = (unsigned char *)b->data + b->len;
    while (z > 0x7F) {
        *p++ = (unsigned char)((z & 0x7F) | 0x80);
        z >>= 7;
    }
    *p++ = (unsigned char)z;
    b->len = (char *)p - b->data;
    return 0;
}

/* -- values ------------------------------------------------------------------------------------------- */

static int reject(const char *expected, PyObject *value) {
    PyErr_Format(PyExc_TypeError, "native encoder: expected %s, got %.100s", expected, Py_TYPE(value)->tp_name);
    return -1;
}

static int write_string(Buffer *b, PyObject *v) {
    if (!PyUnicode_CheckExact(v)) return reject("str", v);
    Py_ssize_t n;
    const char *p = PyUnicode_AsUTF8AndSize(v, &n);
    if (p == NULL) return -1;
    if (put_long(b, n) < 0) return -1;
    return put_bytes(b, p, n);
}

/* bytes, or a bytearray (fastavro's fixed-decimal converter returns one) */
static int bytes_of(PyObject *v, const char **p, Py_ssize_t *size) {
    if (PyBytes_CheckExact(v)) {
        *p = PyBytes_AS_STRING(v);
        *size = PyBytes_GET_SIZE(v);
        return 0;
    }
    if (PyByteArray_CheckExact(v)) {
        *p = PyByteArray_AS_STRING(v);
        *size = PyByteArray_GET_SIZE(v);
        return 0;
    }
    return reject("bytes", v);
}

static int write_int64(Buffer *b, PyObject *v, int is_int) {
    if (!PyLong_CheckExact(v)) return reject("int", v);
    int overflow;
    long long n = PyLong_AsLongLongAndOverflow(v, &overflow);
    if (n == -1 && PyErr_Occurred()) return -1;
    if (overflow || (is_int && (n < INT32_MIN || n > INT32_MAX))) {
        PyErr_SetString(PyExc_OverflowError, "native encoder: integer out of range");
        return -1;
    }
    return put_long(b, (int64_t)n);
}

static int as_double(PyObject *v, double *out) {
    if (PyFloat_CheckExact(v)) {
        *out = PyFloat_AS_DOUBLE(v);
        return 0;
    }
    if (PyLong_CheckExact(v)) {  /* struct.pack("<d", 3) packs float(3): fastavro accepts ints here */
        *out = PyLong_AsDouble(v);
        return (*out == -1.0 && PyErr_Occurred()) ? -1 : 0;
    }
    return reject("float", v);
}

/* days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's days_from_civil) */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

/* Decimal with exponent -scale -> its two's-complement big-endian bytes, exactly as fastavro. Returns 1
 * when written, 0 when this value needs the Python converter (other exponent, too large), -1 on error. */
static int write_decimal(Buffer *b, Node *n, PyObject *v) {
    PyObject *same = PyObject_CallMethodOneArg(v, s_same_quantum, n->quantum);
    if (same == NULL) return -1;
    int is_same = same == Py_True;
    Py_DECREF(same);
    if (!is_same) return 0;
    PyObject *ratio = PyObject_CallMethodNoArgs(v, s_as_integer_ratio);
    if (ratio == NULL) return -1;
    if (!PyTuple_CheckExact(ratio) || PyTuple_GET_SIZE(ratio) != 2) {
        Py_DECREF(ratio);
        return 0;
    }
    int over_num, over_den;
    long long num = PyLong_AsLongLongAndOverflow(PyTuple_GET_ITEM(ratio, 0), &over_num);
    long long den = PyLong_AsLongLongAndOverflow(PyTuple_GET_ITEM(ratio, 1), &over_den);
    Py_DECREF(ratio);
    if (PyErr_Occurred()) return -1;
    if (over_num || over_den || den <= 0 || n->index_a % den != 0) return 0;
    long long unscaled;
    if (__builtin_mul_overflow(num, n->index_a / den, &unscaled)) return 0;
    /* more digits than the precision allows: fastavro raises; let the Python path say so */
    if (n->index_b > 0 && (unscaled <= -n->index_b || unscaled >= n->index_b)) return 0;
    uint64_t magnitude = unscaled < 0 ? (uint64_t)0 - (uint64_t)unscaled : (uint64_t)unscaled;
    int bits = magnitude ? 64 - __builtin_clzll(magnitude) : 0;
    int size = (bits + 8) / 8;
    unsigned char out[9];
    uint64_t twos = (uint64_t)unscaled;
    for (int i = size - 1; i >= 0; i--) {
        out[i] = (unsigned char)(twos & 0xFF);
        twos = (uint64_t)((int64_t)twos >> 8);  /* arithmetic shift keeps the sign for the 9th byte */
    }
    if (put_long(b, size) < 0) return -1;
    return put_bytes(b, (const char *)out, size) < 0 ? -1 : 1;
}

static int encode(Node *n, PyObject *v, Buffer *b);

/* A logical type: convert natively when the value is the usual exact type, else call the converter. */
static int write_logical(Node *n, PyObject *v, Buffer *b) {
    switch (n->kind) {
    case LT_DATE:
        if (PyDate_CheckExact(v)) {
            return put_long(b, days_from_civil(PyDateTime_GET_YEAR(v), PyDateTime_GET_MONTH(v),
                                               PyDateTime_GET_DAY(v)));
        }
        break;
    case LT_TIMESTAMP_MILLIS:
    case LT_TIMESTAMP_MICROS:
        if (PyDateTime_CheckExact(v) && PyDateTime_DATE_GET_TZINFO(v) == PyDateTime_TimeZone_UTC) {
            int64_t days = days_from_civil(PyDateTime_GET_YEAR(v), PyDateTime_GET_MONTH(v), PyDateTime_GET_DAY(v));
            int64_t seconds = days * 86400 + PyDateTime_DATE_GET_HOUR(v) * 3600
                              + PyDateTime_DATE_GET_MINUTE(v) * 60 + PyDateTime_DATE_GET_SECOND(v);
            int64_t micros = PyDateTime_DATE_GET_MICROSECOND(v);
            return put_long(b, n->kind == LT_TIMESTAMP_MILLIS ? seconds * 1000 + micros / 1000
                                                              : seconds * 1000000 + micros);
        }
        break;
    case LT_UUID:  /* uuid fields usually hold the text already; uuid.UUID objects go to the converter */
        if (PyUnicode_CheckExact(v)) return write_string(b, v);
        break;
    case LT_DECIMAL:
        if ((PyObject *)Py_TYPE(v) == decimal_type) {
            int done = write_decimal(b, n, v);
            if (done != 0) return done < 0 ? -1 : 0;
        }
        break;
    }
    PyObject *prepared = PyObject_CallOneArg(n->obj, v);
    if (prepared == NULL) return -1;
    int rc = encode(n->child, prepared, b);
    Py_DECREF(prepared);
    return rc;
}

static int write_record(Node *n, PyObject *v, Buffer *b) {
    if (!PyDict_CheckExact(v)) return reject("dict", v);
    for (Py_ssize_t i = 0; i < n->size; i++) {
        Field *f = &n->fields[i];
        PyObject *value = PyDict_GetItemWithError(v, f->name);
        if (value == NULL) {
            if (PyErr_Occurred()) return -1;
            if (f->fallback == NULL) {
                PyErr_SetObject(PyExc_KeyError, f->name);
                return -1;
            }
            value = f->fallback;
        }
        Py_INCREF(value);  /* a converter called back from here could drop the dict's reference */
        int rc = encode(f->type, value, b);
        Py_DECREF(value);
        if (rc < 0) return -1;
    }
    return 0;
}

static int write_array(Node *n, PyObject *v, Buffer *b) {
    if (!PyList_CheckExact(v)) return reject("list", v);
    Py_ssize_t count = PyList_GET_SIZE(v);
    if (count) {
        if (put_long(b, count) < 0) return -1;
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(v); i++) {  /* re-read: a callback may shrink the list */
            PyObject *item = PyList_GET_ITEM(v, i);
            Py_INCREF(item);
            int rc = encode(n->child, item, b);
            Py_DECREF(item);
            if (rc < 0) return -1;
        }
        if (PyList_GET_SIZE(v) != count) {
            PyErr_SetString(PyExc_RuntimeError, "native encoder: list changed size while encoding");
            return -1;
        }
    }
    return put_byte(b, 0);
}

static int write_map(Node *n, PyObject *v, Buffer *b) {
    if (!PyDict_CheckExact(v)) return reject("dict", v);
    Py_ssize_t count = PyDict_GET_SIZE(v);
    if (count) {
        if (put_long(b, count) < 0) return -1;
        Py_ssize_t pos = 0;
        PyObject *key, *value;
        while (PyDict_Next(v, &pos, &key, &value)) {  /* a callback changing the dict makes this raise */
            Py_INCREF(value);
            int rc = write_string(b, key);
            if (rc == 0) rc = encode(n->child, value, b);
            Py_DECREF(value);
            if (rc < 0) return -1;
        }
        if (PyDict_GET_SIZE(v) != count) {
            PyErr_SetString(PyExc_RuntimeError, "native encoder: dict changed size while encoding");
            return -1;
        }
    }
    return put_byte(b, 0);
}

static int write_union_select(Node *n, PyObject *v, Buffer *b) {
    PyObject *chosen = PyObject_CallOneArg(n->obj, v);  /* fastavro's branch rule: (index, value) */
    if (chosen == NULL) return -1;
    if (!PyTuple_CheckExact(chosen) || PyTuple_GET_SIZE(chosen) != 2) {
        Py_DECREF(chosen);
        PyErr_SetString(PyExc_TypeError, "native encoder: union selector must return (index, value)");
        return -1;
    }
    Py_ssize_t index = PyLong_AsSsize_t(PyTuple_GET_ITEM(chosen, 0));
    int rc = -1;
    if (index == -1 && PyErr_Occurred()) {
        rc = -1;
    } else if (index < 0 || index >= n->size) {
        PyErr_SetString(PyExc_IndexError, "native encoder: union branch out of range");
    } else if (put_long(b, index) == 0) {
        rc = encode(n->branches[index], PyTuple_GET_ITEM(chosen, 1), b);
    }
    Py_DECREF(chosen);
    return rc;
}

static int encode(Node *n, PyObject *v, Buffer *b) {
    switch (n->op) {
    case OP_NULL:
        return v == Py_None ? 0 : reject("None", v);
    case OP_BOOLEAN:
        if (v == Py_True) return put_byte(b, 1);
        if (v == Py_False) return put_byte(b, 0);
        return reject("bool", v);
    case OP_INT:
        return write_int64(b, v, 1);
    case OP_LONG:
        return write_int64(b, v, 0);
    case OP_FLOAT: {
        double d;
        if (as_double(v, &d) < 0 || RESERVE(b, 4) < 0) return -1;
        if (PyFloat_Pack4(d, b->data + b->len, 1) < 0) return -1;  /* OverflowError as struct.pack */
        b->len += 4;
        return 0;
    }
    case OP_DOUBLE: {
        double d;
        if (as_double(v, &d) < 0 || RESERVE(b, 8) < 0) return -1;
        if (PyFloat_Pack8(d, b->data + b->len, 1) < 0) return -1;
        b->len += 8;
        return 0;
    }
    case OP_BYTES: {
        const char *p;
        Py_ssize_t size;
        if (bytes_of(v, &p, &size) < 0 || put_long(b, size) < 0) return -1;
        return put_bytes(b, p, size);
    }
    case OP_STRING:
        return write_string(b, v);
    case OP_FIXED: {
        const char *p;
        Py_ssize_t size;
        if (bytes_of(v, &p, &size) < 0) return -1;
        if (size != n->size) {
            PyErr_Format(PyExc_ValueError, "native encoder: fixed needs %zd bytes", n->size);
            return -1;
        }
        return put_bytes(b, p, size);
    }
    case OP_ENUM: {
        if (!PyUnicode_CheckExact(v)) return reject("str", v);
        PyObject *index = PyDict_GetItemWithError(n->obj, v);
        if (index == NULL) {
            if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "native encoder: not an enum symbol");
            return -1;
        }
        return put_long(b, PyLong_AsLongLong(index));
    }
    case OP_ARRAY:
    case OP_MAP:
    case OP_RECORD:
    case OP_REF: {
        if (Py_EnterRecursiveCall(" in the native Avro encoder")) return -1;
        int rc = n->op == OP_ARRAY ? write_array(n, v, b)
                 : n->op == OP_MAP ? write_map(n, v, b)
                 : n->op == OP_RECORD ? write_record(n, v, b)
                 : encode(n->child, v, b);
        Py_LeaveRecursiveCall();
        return rc;
    }
    case OP_UNION_NULL:
        if (v == Py_None) return put_long(b, n->index_a);
        if (put_long(b, n->index_b) < 0) return -1;
        return encode(n->child, v, b);
    case OP_UNION_SELECT:
        return write_union_select(n, v, b);
    case OP_LOGICAL:
        return write_logical(n, v, b);
    }
    PyErr_Format(PyExc_SystemError, "native encoder: bad opcode %d", n->op);
    return -1;
}

/* -- compiling the program ---------------------------------------------------------------------------- */

typedef struct {
    Encoder *encoder;
    PyObject *defs;    /* tuple of record programs that OP_REF points into */
    Node **def_nodes;  /* one node per def, allocated before any is compiled (recursion) */
} Compiler;

static Node *new_node(Compiler *c, int op) {
    Node *n = PyMem_Calloc(1, sizeof(Node));
    if (n == NULL) { PyErr_NoMemory(); return NULL; }
    n->op = op;
    n->next_alloc = c->encoder->allocs;
    c->encoder->allocs = n;
    return n;
}

static int bad_program(const char *what) {
    PyErr_Format(PyExc_ValueError, "native encoder program: %s", what);
    return -1;
}

static int compile_into(Compiler *c, PyObject *prog, Node *n);

static Node *compile_node(Compiler *c, PyObject *prog) {
    if (!PyTuple_Check(prog) || PyTuple_GET_SIZE(prog) < 1) {
        bad_program("each node is a tuple (opcode, ...)");
        return NULL;
    }
    long op = PyLong_AsLong(PyTuple_GET_ITEM(prog, 0));
    if (op == -1 && PyErr_Occurred()) return NULL;
    if (op == OP_REF) {  /* a named record: the shared node of its def */
        if (PyTuple_GET_SIZE(prog) != 2) { bad_program("ref takes (16, index)"); return NULL; }
        Py_ssize_t i = PyLong_AsSsize_t(PyTuple_GET_ITEM(prog, 1));
        if (i < 0 || i >= PyTuple_GET_SIZE(c->defs)) {
            if (!PyErr_Occurred()) bad_program("ref index out of range");
            return NULL;
        }
        Node *ref = new_node(c, OP_REF);
        if (ref != NULL) ref->child = c->def_nodes[i];
        return ref;
    }
    Node *n = new_node(c, (int)op);
    if (n == NULL || compile_into(c, prog, n) < 0) return NULL;
    return n;
}

#define ARGS(count) \
    if (PyTuple_GET_SIZE(prog) != (count) + 1) return bad_program("wrong number of arguments")
#define ARG(i) PyTuple_GET_ITEM(prog, (i) + 1)

static int compile_into(Compiler *c, PyObject *prog, Node *n) {
    long op = PyLong_AsLong(PyTuple_GET_ITEM(prog, 0));
    n->op = (int)op;
    switch (op) {
    case OP_NULL: case OP_BOOLEAN: case OP_INT: case OP_LONG: case OP_FLOAT: case OP_DOUBLE: case OP_BYTES:
    case OP_STRING:
        ARGS(0);
        return 0;
    case OP_FIXED:
        ARGS(1);
        n->size = PyLong_AsSsize_t(ARG(0));
        return (n->size < 0) ? bad_program("fixed size") : 0;
    case OP_ENUM:
        ARGS(1);
        if (!PyDict_CheckExact(ARG(0))) return bad_program("enum takes a dict symbol -> index");
        n->obj = ARG(0);
        return 0;
    case OP_ARRAY:
    case OP_MAP:
        ARGS(1);
        n->child = compile_node(c, ARG(0));
        return n->child ? 0 : -1;
    case OP_RECORD: {
        ARGS(1);
        PyObject *fields = ARG(0);
        if (!PyTuple_CheckExact(fields)) return bad_program("record takes a tuple of fields");
        n->size = PyTuple_GET_SIZE(fields);
        n->fields = PyMem_Calloc(n->size ? n->size : 1, sizeof(Field));
        if (n->fields == NULL) { PyErr_NoMemory(); return -1; }
        for (Py_ssize_t i = 0; i < n->size; i++) {
            PyObject *f = PyTuple_GET_ITEM(fields, i);  /* (name, has_default, default, type) */
            if (!PyTuple_CheckExact(f) || PyTuple_GET_SIZE(f) != 4 || !PyUnicode_CheckExact(PyTuple_GET_ITEM(f, 0)))
                return bad_program("a field is (name, has_default, default, type)");
            n->fields[i].name = PyTuple_GET_ITEM(f, 0);
            n->fields[i].fallback = PyObject_IsTrue(PyTuple_GET_ITEM(f, 1)) ? PyTuple_GET_ITEM(f, 2) : NULL;
            n->fields[i].type = compile_node(c, PyTuple_GET_ITEM(f, 3));
            if (n->fields[i].type == NULL) return -1;
        }
        return 0;
    }
    case OP_UNION_NULL:
        ARGS(3);
        n->index_a = PyLong_AsLongLong(ARG(0));
        n->index_b = PyLong_AsLongLong(ARG(1));
        if (PyErr_Occurred()) return -1;
        n->child = compile_node(c, ARG(2));
        return n->child ? 0 : -1;
    case OP_UNION_SELECT: {
        ARGS(2);
        PyObject *branches = ARG(1);
        if (!PyCallable_Check(ARG(0)) || !PyTuple_CheckExact(branches))
            return bad_program("union takes (selector, tuple of branches)");
        n->obj = ARG(0);
        n->size = PyTuple_GET_SIZE(branches);
        n->branches = PyMem_Calloc(n->size ? n->size : 1, sizeof(Node *));
        if (n->branches == NULL) { PyErr_NoMemory(); return -1; }
        for (Py_ssize_t i = 0; i < n->size; i++) {
            n->branches[i] = compile_node(c, PyTuple_GET_ITEM(branches, i));
            if (n->branches[i] == NULL) return -1;
        }
        return 0;
    }
    case OP_LOGICAL: {
        ARGS(4);  /* (kind, prepare, decimal args or None, inner type) */
        n->kind = (int)PyLong_AsLong(ARG(0));
        n->obj = ARG(1);
        if (PyErr_Occurred()) return -1;
        if (!PyCallable_Check(n->obj)) return bad_program("logical takes a callable converter");
        if (n->kind == LT_DECIMAL) {  /* (quantum, 10**scale, 10**precision or 0 when too large) */
            PyObject *args = ARG(2);
            if (!PyTuple_CheckExact(args) || PyTuple_GET_SIZE(args) != 3)
                return bad_program("decimal takes (quantum, 10**scale, 10**precision)");
            n->quantum = PyTuple_GET_ITEM(args, 0);
            n->index_a = PyLong_AsLongLong(PyTuple_GET_ITEM(args, 1));
            n->index_b = PyLong_AsLongLong(PyTuple_GET_ITEM(args, 2));
            if (PyErr_Occurred()) return -1;
            if (n->index_a <= 0) return bad_program("decimal scale");
        }
        n->child = compile_node(c, ARG(3));
        return n->child ? 0 : -1;
    }
    }
    return bad_program("unknown opcode");
}

/* -- the Encoder type --------------------------------------------------------------------------------- */

static PyObject *encoder_vectorcall(PyObject *self, PyObject *const *args, size_t nargsf, PyObject *kwnames) {
    Encoder *e = (Encoder *)self;
    if (PyVectorcall_NARGS(nargsf) != 1 || kwnames != NULL) {
        PyErr_SetString(PyExc_TypeError, "encode(datum) takes exactly one positional argument");
        return NULL;
    }
    Buffer b;
    b.data = b.small;
    b.cap = sizeof(b.small);
    b.len = 0;
    PyObject *result = NULL;
    if (put_bytes(&b, PyBytes_AS_STRING(e->prefix), PyBytes_GET_SIZE(e->prefix)) == 0
        && encode(e->root, args[0], &b) == 0) {
        result = PyBytes_FromStringAndSize(b.data, b.len);
    }
    if (b.data != b.small) PyMem_Free(b.data);
    return result;
}

static void free_nodes(Encoder *e) {
    Node *n = e->allocs;
    while (n != NULL) {
        Node *next = n->next_alloc;
        PyMem_Free(n->fields);
        PyMem_Free(n->branches);
        PyMem_Free(n);
        n = next;
    }
    e->allocs = NULL;
    e->root = NULL;
}

static PyObject *encoder_new(PyTypeObject *type, PyObject *args, PyObject *kwargs) {
    static char *names[] = {"program", "defs", "prefix", NULL};
    PyObject *program, *defs, *prefix;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OO!S", names, &program, &PyTuple_Type, &defs, &prefix))
        return NULL;
    Encoder *e = (Encoder *)type->tp_alloc(type, 0);
    if (e == NULL) return NULL;
    e->vectorcall = encoder_vectorcall;
    Py_INCREF(program); e->program = program;
    Py_INCREF(defs); e->defs = defs;
    Py_INCREF(prefix); e->prefix = prefix;
    Compiler c = {e, defs, NULL};
    Py_ssize_t count = PyTuple_GET_SIZE(defs);
    c.def_nodes = PyMem_Calloc(count ? count : 1, sizeof(Node *));
    if (c.def_nodes == NULL) { PyErr_NoMemory(); goto fail; }
    for (Py_ssize_t i = 0; i < count; i++) {
        if ((c.def_nodes[i] = new_node(&c, OP_RECORD)) == NULL) goto fail;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *def = PyTuple_GET_ITEM(defs, i);
        if (!PyTuple_Check(def) || PyTuple_GET_SIZE(def) < 1) { bad_program("a def is a node tuple"); goto fail; }
        if (compile_into(&c, def, c.def_nodes[i]) < 0) goto fail;
    }
    if ((e->root = compile_node(&c, program)) == NULL) goto fail;
    PyMem_Free(c.def_nodes);
    return (PyObject *)e;
fail:
    PyMem_Free(c.def_nodes);
    Py_DECREF(e);
    return NULL;
}

static int encoder_traverse(Encoder *e, visitproc visit, void *arg) {
    Py_VISIT(e->program);
    Py_VISIT(e->defs);
    return 0;
}

static int encoder_clear(Encoder *e) {
    free_nodes(e);  /* nodes borrow from the program: gone first */
    Py_CLEAR(e->program);
    Py_CLEAR(e->defs);
    Py_CLEAR(e->prefix);
    return 0;
}

static void encoder_dealloc(Encoder *e) {
    PyObject_GC_UnTrack(e);
    encoder_clear(e);
    Py_TYPE(e)->tp_free((PyObject *)e);
}

static PyTypeObject EncoderType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "mesh.sdk.codec._avro_encode.Encoder",
    .tp_doc = "Encoder(program, defs, prefix): calling it with a datum returns prefix + Avro body bytes.",
    .tp_basicsize = sizeof(Encoder),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_new = encoder_new,
    .tp_dealloc = (destructor)encoder_dealloc,
    .tp_traverse = (traverseproc)encoder_traverse,
    .tp_clear = (inquiry)encoder_clear,
    .tp_call = PyVectorcall_Call,
    .tp_vectorcall_offset = offsetof(Encoder, vectorcall),
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "mesh.sdk.codec._avro_encode",
    .m_doc = "Native Avro encoder for schema programs built by mesh.sdk.codec.native.",
    .m_size = -1,
};

PyMODINIT_FUNC PyInit__avro_encode(void) {
    PyDateTime_IMPORT;
    if (PyDateTimeAPI == NULL) return NULL;
    PyObject *decimal = PyImport_ImportModule("decimal");
    if (decimal == NULL) return NULL;
    decimal_type = PyObject_GetAttrString(decimal, "Decimal");
    Py_DECREF(decimal);
    if (decimal_type == NULL) return NULL;
    s_same_quantum = PyUnicode_InternFromString("same_quantum");
    s_as_integer_ratio = PyUnicode_InternFromString("as_integer_ratio");
    if (s_same_quantum == NULL || s_as_integer_ratio == NULL) return NULL;
    if (PyType_Ready(&EncoderType) < 0) return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) return NULL;
    Py_INCREF(&EncoderType);
    if (PyModule_AddObject(m, "Encoder", (PyObject *)&EncoderType) < 0) {
        Py_DECREF(&EncoderType);
        Py_DECREF(m);
        return NULL;
    }
    if (PyModule_AddIntConstant(m, "VERSION", 1) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
