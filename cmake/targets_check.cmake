# Run at the end of the top-level CMakeLists.txt, once every target exists.
#
# 1. Every target compiled here links octo_flags (warnings, _GNU_SOURCE,
#    sanitizers): there is no global add_compile_options to fall back on,
#    so a target that forgets it would build with none of them.
# 2. ${PROJECT_BINARY_DIR}/octo_listed_sources.txt: every source the lists
#    name (target sources, and octo_listed() for what this configuration
#    does not compile), and the folders of plugins not built. The test
#    tests/layout/test_source_lists.py compares it with the files on disk.

function(_octo_collect_targets dir out)
  get_property(targets DIRECTORY "${dir}" PROPERTY BUILDSYSTEM_TARGETS)
  get_property(subdirs DIRECTORY "${dir}" PROPERTY SUBDIRECTORIES)
  foreach(sub IN LISTS subdirs)
    _octo_collect_targets("${sub}" sub_targets)
    list(APPEND targets ${sub_targets})
  endforeach()
  set(${out} ${targets} PARENT_SCOPE)
endfunction()

_octo_collect_targets("${PROJECT_SOURCE_DIR}" _octo_all_targets)
get_property(_octo_listed GLOBAL PROPERTY OCTO_LISTED_SOURCES)
set(_octo_missing_flags "")
foreach(t IN LISTS _octo_all_targets)
  get_target_property(type ${t} TYPE)
  if(type STREQUAL "UTILITY" OR type STREQUAL "INTERFACE_LIBRARY")
    continue()
  endif()
  get_target_property(libs ${t} LINK_LIBRARIES)
  if(NOT libs MATCHES "(^|[;:<])octo_flags(>|;|$)")
    list(APPEND _octo_missing_flags ${t})
  endif()
  get_target_property(dir ${t} SOURCE_DIR)
  get_target_property(srcs ${t} SOURCES)
  foreach(s IN LISTS srcs)
    if(s MATCHES "^\\$<")
      continue()
    endif()
    get_filename_component(abs "${s}" ABSOLUTE BASE_DIR "${dir}")
    list(APPEND _octo_listed "${abs}")
  endforeach()
endforeach()
if(_octo_missing_flags)
  message(FATAL_ERROR "these targets do not link octo_flags (call octo_target_flags): "
                      "${_octo_missing_flags}")
endif()

set(_octo_manifest "")
list(REMOVE_DUPLICATES _octo_listed)
list(SORT _octo_listed)
foreach(f IN LISTS _octo_listed)
  cmake_path(IS_PREFIX PROJECT_SOURCE_DIR "${f}" NORMALIZE _in_tree)
  cmake_path(IS_PREFIX PROJECT_BINARY_DIR "${f}" NORMALIZE _in_build)
  if(_in_tree AND NOT _in_build)
    file(RELATIVE_PATH rel "${PROJECT_SOURCE_DIR}" "${f}")
    string(APPEND _octo_manifest "file ${rel}\n")
  endif()
endforeach()
get_property(_octo_unbuilt GLOBAL PROPERTY OCTO_UNBUILT_DIRS)
foreach(d IN LISTS _octo_unbuilt)
  file(RELATIVE_PATH rel "${PROJECT_SOURCE_DIR}" "${d}")
  string(APPEND _octo_manifest "skip ${rel}\n")
endforeach()
file(CONFIGURE OUTPUT ${PROJECT_BINARY_DIR}/octo_listed_sources.txt CONTENT "${_octo_manifest}")
