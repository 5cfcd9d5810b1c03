# FindCAF: Debian's libcaf-dev (0.17.6) ships no CMake config, no FindCAF and no
# pkg-config file, so this module finds the headers and libraries and defines the
# imported targets CAF::core, CAF::io and CAF::openssl (each on request).
find_path(CAF_INCLUDE_DIR NAMES caf/all.hpp caf/detail/build_config.hpp)
foreach(comp IN LISTS CAF_FIND_COMPONENTS)
  find_library(CAF_${comp}_LIBRARY NAMES caf_${comp})
  if(CAF_${comp}_LIBRARY AND CAF_INCLUDE_DIR)
    set(CAF_${comp}_FOUND TRUE)
    if(NOT TARGET CAF::${comp})
      add_library(CAF::${comp} UNKNOWN IMPORTED)
      set_target_properties(CAF::${comp} PROPERTIES
        IMPORTED_LOCATION "${CAF_${comp}_LIBRARY}"
        INTERFACE_INCLUDE_DIRECTORIES "${CAF_INCLUDE_DIR}")
    endif()
  endif()
endforeach()
if(CAF_INCLUDE_DIR)  # CAF_VERSION 1706 -> 0.17.6
  file(STRINGS "${CAF_INCLUDE_DIR}/caf/config.hpp" _caf_v REGEX "#define CAF_VERSION [0-9]+")
  string(REGEX MATCH "[0-9]+" _caf_v "${_caf_v}")
  math(EXPR _caf_a "${_caf_v} / 10000")
  math(EXPR _caf_b "(${_caf_v} / 100) % 100")
  math(EXPR _caf_c "${_caf_v} % 100")
  set(CAF_VERSION "${_caf_a}.${_caf_b}.${_caf_c}")
endif()
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(CAF REQUIRED_VARS CAF_INCLUDE_DIR VERSION_VAR CAF_VERSION
                                  HANDLE_COMPONENTS)
find_package(Threads REQUIRED)
if(TARGET CAF::io)
  set_property(TARGET CAF::io APPEND PROPERTY INTERFACE_LINK_LIBRARIES CAF::core)
endif()
if(TARGET CAF::openssl)
  set_property(TARGET CAF::openssl APPEND PROPERTY INTERFACE_LINK_LIBRARIES CAF::io)
endif()
if(TARGET CAF::core)
  set_property(TARGET CAF::core APPEND PROPERTY INTERFACE_LINK_LIBRARIES Threads::Threads)
endif()
