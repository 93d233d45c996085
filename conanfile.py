# Conan 2 recipe: packages the same two CMake targets as `cmake --install`,
# hanabi::hanabi (the compiled library) and hanabi::header_only.
# Not exercised in CI (Conan is not installed there); the CMake install and the
# tests/consumers projects are what is tested.
from conan import ConanFile
from conan.tools.cmake import CMake, CMakeDeps, CMakeToolchain, cmake_layout


class HanabiConan(ConanFile):
    name = "hanabi"
    version = "0.1.0"
    description = "C++20 client SDK for Lavalink v4"
    topics = ("lavalink", "discord", "audio", "asio")
    package_type = "static-library"
    settings = "os", "arch", "compiler", "build_type"
    options = {"fPIC": [True, False], "compile_asio": [True, False]}
    # compile_asio: compile Boost.Asio/Beast into libhanabi (HANABI_COMPILE_ASIO).
    default_options = {"fPIC": True, "compile_asio": False, "boost/*:header_only": True}
    exports_sources = "CMakeLists.txt", "cmake/*", "include/*", "src/*"

    def requirements(self):
        self.requires("boost/1.81.0", transitive_headers=True)
        self.requires("openssl/[>=3 <4]", transitive_headers=True)
        self.requires("nlohmann_json/3.11.2", transitive_headers=True)
        self.requires("fmt/9.1.0", transitive_headers=True)
        self.requires("simdjson/3.0.1", transitive_headers=True)

    def layout(self):
        cmake_layout(self)

    def generate(self):
        toolchain = CMakeToolchain(self)
        toolchain.variables["HANABI_BUILD_TESTS"] = False
        toolchain.variables["HANABI_BUILD_EXAMPLES"] = False
        toolchain.variables["HANABI_BUILD_BENCHMARKS"] = False
        toolchain.variables["HANABI_INSTALL"] = True
        toolchain.variables["HANABI_COMPILE_ASIO"] = bool(self.options.compile_asio)
        toolchain.generate()
        CMakeDeps(self).generate()

    def build(self):
        cmake = CMake(self)
        cmake.configure()
        cmake.build()

    def package(self):
        CMake(self).install()

    def package_info(self):
        self.cpp_info.set_property("cmake_file_name", "hanabi")
        deps = ["boost::headers", "openssl::ssl", "openssl::crypto", "nlohmann_json::nlohmann_json",
                "fmt::fmt", "simdjson::simdjson"]
        threads = ["pthread"] if self.settings.os in ("Linux", "FreeBSD") else []

        compiled = self.cpp_info.components["hanabi"]
        compiled.set_property("cmake_target_name", "hanabi::hanabi")
        compiled.libs = ["hanabi"]
        compiled.defines = ["HANABI_SEPARATE_COMPILATION"]
        if self.options.compile_asio:
            compiled.defines += ["BOOST_ASIO_SEPARATE_COMPILATION", "BOOST_BEAST_SEPARATE_COMPILATION"]
        compiled.requires = deps
        compiled.system_libs = threads

        header_only = self.cpp_info.components["header_only"]
        header_only.set_property("cmake_target_name", "hanabi::header_only")
        header_only.libdirs = []
        header_only.requires = deps
        header_only.system_libs = threads
