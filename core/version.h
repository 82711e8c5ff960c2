/* version.h - the Octoflow release version (not the step ABI version). */
#ifndef OCTO_VERSION_H
#define OCTO_VERSION_H

#ifndef OCTO_VERSION
#define OCTO_VERSION "0.1.0"
#endif

#endif
