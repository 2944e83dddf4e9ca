/*
 * sbml_catch.cpp — the one place moodsim's C meets libSBML's C++ across
 * which an exception could travel.  libSBML throws from its reader and its
 * converters on some malformed input (a namespace such as xmlns:x="comp"
 * throws SBMLExtensionException); an exception crossing a C frame ends the
 * process.  These wrappers catch everything at the boundary and return the
 * exception's text instead.  The rest of moodsim stays C11.
 */
#include <sbml/SBMLTypes.h>
#include <sbml/conversion/ConversionProperties.h>

#include <cstdio>
#include <exception>

extern "C" {
#include "sbml_catch.h"
}

static void say(char *err, size_t n, const char *what)
{
    std::snprintf(err, n, "libSBML could not read the document: %s", what);
}

extern "C" SBMLDocument_t *msi_sbml_read(const char *path, char *err, size_t n)
{
    try {
        return readSBMLFromFile(path);
    } catch (const std::exception &e) {
        say(err, n, e.what());
    } catch (...) {
        say(err, n, "an exception of an unknown kind");
    }
    return nullptr;
}

extern "C" int msi_sbml_convert(SBMLDocument_t *doc, const char *key, char *err, size_t n)
{
    try {
        ConversionProperties p;
        p.addOption(key);
        int r = doc->convert(p);
        if (r != LIBSBML_OPERATION_SUCCESS)
            std::snprintf(err, n, "libSBML's converter '%s' failed (code %d)", key, r);
        return r == LIBSBML_OPERATION_SUCCESS ? 0 : -1;
    } catch (const std::exception &e) {
        say(err, n, e.what());
    } catch (...) {
        say(err, n, "an exception of an unknown kind");
    }
    return -1;
}

extern "C" int msi_sbml_validate(SBMLDocument_t *doc, char *err, size_t n)
{
    try {
        /* what decides whether the model means what it says: structure,
         * identifiers, MathML, overdetermination.  Not units (many
         * published models are unit-inconsistent and simulate as their
         * authors meant), SBO terms or modelling practice (advice). */
        doc->setConsistencyChecks(LIBSBML_CAT_UNITS_CONSISTENCY, false);
        doc->setConsistencyChecks(LIBSBML_CAT_SBO_CONSISTENCY, false);
        doc->setConsistencyChecks(LIBSBML_CAT_MODELING_PRACTICE, false);
        doc->checkConsistency();
        return 0;
    } catch (const std::exception &e) {
        say(err, n, e.what());
    } catch (...) {
        say(err, n, "an exception of an unknown kind");
    }
    return -1;
}
