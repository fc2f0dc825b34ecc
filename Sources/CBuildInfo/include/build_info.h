#ifndef TRANSTOK_BUILD_INFO_H
#define TRANSTOK_BUILD_INFO_H

/// The git commit the package was built from (set by Package.swift; "unknown" outside a git checkout).
const char *transtok_build_commit(void);

#endif
