/*
 * sbml_catch.h — libSBML's reader and converters called with every C++
 * exception caught (sbml_catch.cpp).  Not installed.
 */
#ifndef MS_SBML_CATCH_H
#define MS_SBML_CATCH_H

#include <sbml/SBMLTypes.h>
#include <stddef.h>

/* readSBMLFromFile; NULL with err set if libSBML threw (or could not
 * allocate: err empty). */
SBMLDocument_t *msi_sbml_read(const char *path, char *err, size_t n);
/* SBMLDocument_convert with one option; 0 on success, else -1 with err. */
int msi_sbml_convert(SBMLDocument_t *doc, const char *key, char *err, size_t n);

/* libSBML's consistency checks (structure, identifiers, MathML,
 * overdetermination; not units, SBO or modelling practice), their findings
 * added to the document's errors; 0, or -1 with err if libSBML threw. */
int msi_sbml_validate(SBMLDocument_t *doc, char *err, size_t n);

#endif
