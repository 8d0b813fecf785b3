#include "bootstrap/command_runner.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "bootstrap/child_process.h"
#include "floe/common/file_descriptor.h"

namespace floe::bootstrap {
namespace {

class CommandRunnerImpl final : public CommandRunner {
 public:
  Result<CommandOutput> run(const std::vector<std::string>& argv) override {
    if (argv.empty()) return invalidArgument("no command to run");
    int pipeFds[2];
    if (::pipe2(pipeFds, O_CLOEXEC) != 0) return internalError(std::string("pipe: ") + std::strerror(errno));
    FileDescriptor readEnd(pipeFds[0]);
    FileDescriptor writeEnd(pipeFds[1]);
    std::vector<std::string> args = argv;
    std::vector<char*> raw;
    for (auto& arg : args) raw.push_back(arg.data());
    raw.push_back(nullptr);
    pid_t pid = ::fork();
    if (pid < 0) return internalError(std::string("fork: ") + std::strerror(errno));
    if (pid == 0) {
      unblockAllSignals();
      ::dup2(writeEnd.get(), STDOUT_FILENO);
      ::dup2(writeEnd.get(), STDERR_FILENO);
      ::execvp(raw[0], raw.data());
      ::_exit(127);
    }
    ::close(writeEnd.release());  // so read() sees EOF when the child exits
    CommandOutput result;
    char buffer[4096];
    while (true) {
      ssize_t got = ::read(readEnd.get(), buffer, sizeof buffer);
      if (got > 0) result.output.append(buffer, static_cast<size_t>(got));
      else if (got == 0 || errno != EINTR) break;
    }
    int waitStatus = 0;
    while (::waitpid(pid, &waitStatus, 0) < 0 && errno == EINTR) {
    }
    result.exitCode = WIFEXITED(waitStatus) ? WEXITSTATUS(waitStatus) : 128 + WTERMSIG(waitStatus);
    if (result.exitCode == 127 && result.output.empty()) return notFound(argv[0] + " could not be run");
    return result;
  }
};

}  // namespace

std::unique_ptr<CommandRunner> makeCommandRunner() { return std::make_unique<CommandRunnerImpl>(); }

}  // namespace floe::bootstrap
