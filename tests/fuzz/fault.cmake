# Fault injection, the way pam-u2f's fuzz/wrap.c does it: the module's
# sources linked again with -Wl,--wrap=NAME for every call below, so that
# fault_login (a host process on the real libpam) can fail the n-th one.
# Two builds: "asan" (ASan + UBSan + LSan: crashes and leaks) for the
# walk, "plain" for the long-lived host, whose RSS ASan would blur.
set(FAULT_WRAPPED
  malloc calloc realloc strdup strndup
  open openat fopen fdopen read __read_chk pread pwrite ftruncate mkdir flock
  fstat stat lstat fstatat
  curl_global_init curl_easy_init curl_easy_setopt curl_easy_perform
  curl_easy_getinfo curl_slist_append
  json_object_new_object json_object_new_array json_object_new_string
  json_object_new_string_len json_object_new_int json_object_new_int64
  json_object_new_boolean json_object_object_add json_object_array_add
  json_object_to_json_string_ext json_tokener_new_ex json_tokener_parse
  BIO_new_mem_buf d2i_PKCS12_bio PKCS12_parse PEM_read_bio_X509
  PEM_read_bio_PrivateKey SSL_CTX_use_certificate SSL_CTX_use_PrivateKey
  X509_check_private_key SSL_CTX_ctrl HMAC RAND_bytes EVP_MD_CTX_new
  QRcode_encodeString
  pam_get_item pam_get_user pam_get_data pam_set_data pam_getenvlist
  gethostname getaddrinfo getifaddrs pthread_create localtime_r getpwnam_r
  getpwnam getpwuid_r getgrnam_r getgrouplist
  # not failed: virtual time
  clock_gettime sigtimedwait ppoll poll nanosleep pthread_cond_timedwait)
list(TRANSFORM FAULT_WRAPPED PREPEND "-Wl,--wrap=" OUTPUT_VARIABLE fault_wraps)

find_package(Threads REQUIRED)
get_target_property(fault_mid_sources midcore SOURCES)
list(TRANSFORM fault_mid_sources PREPEND ${MID_SRC}/)

foreach(variant asan plain)
  set(flags -g)
  if(variant STREQUAL "asan")
    if(NOT MID_HAVE_SANITIZERS)
      continue()
    endif()
    list(APPEND flags -fsanitize=address,undefined -fno-sanitize-recover=all
         -fno-omit-frame-pointer)
  endif()

  add_library(midfault_${variant} SHARED fault.c)
  target_compile_options(midfault_${variant} PRIVATE ${flags})
  target_link_options(midfault_${variant} PRIVATE ${flags})

  add_library(pam_mobileid_fault_${variant} MODULE
    ${fault_mid_sources} ${MID_SRC}/pam_mobileid.c fault_wrap.c)
  target_include_directories(pam_mobileid_fault_${variant} PRIVATE
    ${MID_SRC} ${PAM_INCLUDE_DIR} ${CMAKE_CURRENT_SOURCE_DIR})
  target_compile_options(pam_mobileid_fault_${variant} PRIVATE ${flags})
  target_link_options(pam_mobileid_fault_${variant} PRIVATE ${flags}
    ${fault_wraps})
  target_link_libraries(pam_mobileid_fault_${variant} PRIVATE
    midfault_${variant} PkgConfig::CURL PkgConfig::JSONC PkgConfig::QRENCODE
    PkgConfig::OPENSSL ${PAM_LIBRARY} Threads::Threads)
  set_target_properties(pam_mobileid_fault_${variant} PROPERTIES PREFIX ""
    C_VISIBILITY_PRESET hidden)

  # the host: exports its syslog() so that libpam's lines land in it
  add_executable(fault_login_${variant} fault_login.c)
  target_compile_options(fault_login_${variant} PRIVATE ${flags})
  target_link_options(fault_login_${variant} PRIVATE ${flags} -rdynamic)
  target_link_libraries(fault_login_${variant} PRIVATE midfault_${variant}
    PkgConfig::JSONC ${PAM_LIBRARY} Threads::Threads)
  add_dependencies(fault_login_${variant} pam_mobileid_fault_${variant})
endforeach()
