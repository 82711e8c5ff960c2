# The step ABI version, read from the one place it is written: the SDK
# header's OCTO_ABI_MAJOR / OCTO_ABI_MINOR. The pkg-config file and the
# CMake package of the SDK carry it (octoflow-sdk.pc Version, abi_major,
# abi_minor; find_package(OctoflowSDK 1.1)), so they cannot disagree.
file(STRINGS "${PROJECT_SOURCE_DIR}/sdk/include/octoflow/octo_step.h" _octo_abi
     REGEX "^#define OCTO_ABI_(MAJOR|MINOR) [0-9]+")
foreach(_line IN LISTS _octo_abi)
  if(_line MATCHES "^#define OCTO_ABI_MAJOR ([0-9]+)")
    set(OCTO_ABI_MAJOR ${CMAKE_MATCH_1})
  elseif(_line MATCHES "^#define OCTO_ABI_MINOR ([0-9]+)")
    set(OCTO_ABI_MINOR ${CMAKE_MATCH_1})
  endif()
endforeach()
if(NOT DEFINED OCTO_ABI_MAJOR OR NOT DEFINED OCTO_ABI_MINOR)
  message(FATAL_ERROR "OCTO_ABI_MAJOR/MINOR not found in sdk/include/octoflow/octo_step.h")
endif()
set(OCTO_ABI_VERSION "${OCTO_ABI_MAJOR}.${OCTO_ABI_MINOR}")
