/*
 * sbml_guard.c — what an SBML file must pass before libSBML reads it.
 * libSBML recurses on the document's structure and on function
 * definitions, so some hostile files crash or hang it: elements nested
 * thousands deep (its XML reader), a lambda without a body or a function
 * definition that calls itself (its validators and expansion), function
 * definitions whose expansion doubles at every level (2^30 nodes from 8
 * KB).  The file is first parsed with libxml2 (no network, no entity
 * expansion, its default depth limit of 256) and these are refused with
 * file, line and what was found.  Owns nothing after it returns.
 */
#include "model_impl.h"

#include <string.h>
#include <sys/types.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#define MAX_FUNCTIONS 4096
#define MAX_EXPANDED 1000000.0 /* nodes a math expression may expand to */

typedef struct {
    ms_context *ctx;
    const char *path;
    xmlNode *fd[MAX_FUNCTIONS]; /* functionDefinition elements */
    const char *id[MAX_FUNCTIONS];
    xmlNode *body[MAX_FUNCTIONS];
    size_t n;
    double cost[MAX_FUNCTIONS]; /* expanded size; -1 unknown, -2 being computed */
} guard;

static int is(const xmlNode *n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

static xmlNode *first_element(xmlNode *n)
{
    for (; n; n = n->next)
        if (n->type == XML_ELEMENT_NODE)
            return n;
    return NULL;
}

static ms_status fail(guard *G, const xmlNode *n, const char *fmt, const char *a, const char *b)
{
    return msi_fail(G->ctx, MS_ERR_MODEL, G->path, n ? (int)xmlGetLineNo(n) : 0, 0, fmt, a,
                    b ? b : "");
}

/* Collects the function definitions (id and lambda body), refusing a
 * lambda without a body. */
static ms_status collect(guard *G, xmlNode *n)
{
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (is(n, "functionDefinition")) {
            if (G->n == MAX_FUNCTIONS)
                return fail(G, n, "more than %s function definitions%s", "4096", NULL);
            xmlChar *id = xmlGetProp(n, (const xmlChar *)"id");
            if (!id)
                id = xmlGetProp(n, (const xmlChar *)"name");
            xmlNode *math = first_element(n->children);
            while (math && !is(math, "math"))
                math = first_element(math->next);
            xmlNode *lambda = math ? first_element(math->children) : NULL;
            xmlNode *body = NULL;
            for (xmlNode *c = lambda && is(lambda, "lambda") ? first_element(lambda->children)
                                                             : NULL;
                 c; c = first_element(c->next))
                if (!is(c, "bvar"))
                    body = c;
            char idbuf[256];
            snprintf(idbuf, sizeof idbuf, "%s", id ? (const char *)id : "?");
            xmlFree(id);
            if (math && !body)
                return fail(G, n,
                            "function definition '%s' has a lambda without a body (only its "
                            "arguments)%s",
                            idbuf, NULL);
            G->fd[G->n] = n;
            G->id[G->n] = (const char *)xmlGetProp(n, (const xmlChar *)"id");
            G->body[G->n] = body;
            G->cost[G->n] = -1;
            G->n++;
            continue; /* no definitions inside a definition */
        }
        ms_status st = collect(G, n->children);
        if (st)
            return st;
    }
    return MS_OK;
}

static ssize_t find(const guard *G, const char *name)
{
    for (size_t i = 0; i < G->n; i++)
        if (G->id[i] && strcmp(G->id[i], name) == 0)
            return (ssize_t)i;
    return -1;
}

static double cost_of(guard *G, size_t f, ms_status *st);

/* Nodes the math under n expands to once every call is replaced by its
 * function's body. */
static double expanded(guard *G, xmlNode *n, ms_status *st)
{
    double total = 0;
    for (; n && !*st; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        total += 1;
        if (is(n, "apply")) {
            xmlNode *op = first_element(n->children);
            if (is(op, "ci") && op->children) {
                xmlChar *name = xmlNodeGetContent(op);
                char buf[256];
                size_t len = name ? strspn((const char *)name, " \t\r\n") : 0;
                snprintf(buf, sizeof buf, "%s", name ? (const char *)name + len : "");
                buf[strcspn(buf, " \t\r\n")] = '\0';
                xmlFree(name);
                ssize_t g = find(G, buf);
                if (g >= 0)
                    total += cost_of(G, (size_t)g, st);
            }
        }
        total += expanded(G, n->children, st);
        if (total > MAX_EXPANDED && !*st)
            *st = fail(G, n,
                       "the function definitions expand this math to more than a million nodes "
                       "(each calls the one before more than once)%s%s",
                       "", NULL);
    }
    return total;
}

static double cost_of(guard *G, size_t f, ms_status *st)
{
    if (G->cost[f] == -2) {
        *st = fail(G, G->fd[f],
                   "function definition '%s' calls itself, directly or through "
                   "others; it cannot be expanded%s",
                   G->id[f] ? G->id[f] : "?", NULL);
        return 0;
    }
    if (G->cost[f] >= 0)
        return G->cost[f];
    G->cost[f] = -2;
    double c = expanded(G, G->body[f], st);
    G->cost[f] = c;
    return c;
}

/* Every <math> outside the function definitions, and the definitions
 * themselves (a recursion refused even if never called). */
static void check_math(guard *G, xmlNode *n, ms_status *st)
{
    for (; n && !*st; n = n->next) {
        if (n->type != XML_ELEMENT_NODE || is(n, "functionDefinition"))
            continue;
        if (is(n, "math"))
            expanded(G, n->children, st);
        else
            check_math(G, n->children, st);
    }
}

ms_status msi_sbml_guard(ms_context *ctx, const char *path)
{
    guard *G = msi_alloc(ctx, sizeof *G);
    if (!G)
        return msi_nomem(ctx);
    G->ctx = ctx;
    G->path = path;
    /* no network, no entity expansion, libxml2's depth limit (256) */
    xmlDoc *doc =
        xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOWARNING | XML_PARSE_NOERROR);
    ms_status st = MS_OK;
    if (!doc) {
        const xmlError *e = xmlGetLastError();
        char msg[512];
        snprintf(msg, sizeof msg, "%s", e && e->message ? e->message : "not well-formed XML");
        msg[strcspn(msg, "\n")] = '\0';
        st = msi_fail(ctx, MS_ERR_SYNTAX, path, e ? e->line : 0, e ? e->int2 : 0,
                      "not a readable XML document: %s", msg);
        xmlResetLastError();
    } else {
        st = collect(G, xmlDocGetRootElement(doc));
        for (size_t i = 0; !st && i < G->n; i++)
            if (G->body[i])
                cost_of(G, i, &st);
        if (!st)
            check_math(G, xmlDocGetRootElement(doc), &st);
    }
    for (size_t i = 0; i < G->n; i++)
        xmlFree((void *)G->id[i]);
    xmlFreeDoc(doc);
    msi_free(ctx, G);
    return st;
}
