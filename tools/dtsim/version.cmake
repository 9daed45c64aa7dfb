# Writes OUT from tools/dtsim/version.cpp.in with the git commit of SOURCE_DIR, at build time;
# the file is rewritten only when its text changes, so an unchanged commit rebuilds nothing.
# Usage: cmake -DSOURCE_DIR=... -DOUT=... -DDTSIM_VERSION=... -P version.cmake
set(DTSIM_COMMIT unknown)
find_package(Git QUIET)
if(GIT_FOUND)
  execute_process(COMMAND ${GIT_EXECUTABLE} -C ${SOURCE_DIR} describe --always --dirty --abbrev=12
                  OUTPUT_VARIABLE out RESULT_VARIABLE rc OUTPUT_STRIP_TRAILING_WHITESPACE
                  ERROR_QUIET)
  if(rc EQUAL 0 AND NOT out STREQUAL "")
    set(DTSIM_COMMIT ${out})
  endif()
endif()
configure_file(${SOURCE_DIR}/tools/dtsim/version.cpp.in ${OUT}.tmp @ONLY)
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
file(REMOVE ${OUT}.tmp)
