// ConnectionPool: a bounded set of database connections, opened on first need.
//
// Used by the PostgreSQL backend (libpq connections) and by the SQLite backend (its
// read-only connections). Acquire() hands out an idle connection, opens a new one while fewer
// than `max_size` exist, or waits until one is returned. A Lease gives the connection back
// when it goes out of scope; a lease marked broken closes its connection instead, so that the
// next Acquire() opens a fresh one.
//
// Thread-safety: Acquire() may be called from any thread. A Lease and its connection belong to
// one thread at a time. The pool must outlive its leases.
//
// Example:
//   ConnectionPool<PgConnection> pool(8, [&] { return PgConnection::Open(url); });
//   BW_ASSIGN_OR_RETURN(auto lease, pool.Acquire());
//   if (!lease->Healthy()) lease.MarkBroken();
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "base/status.h"

namespace bulwark::store::internal {

template <typename Conn>
class ConnectionPool {
 public:
  using Factory = std::function<StatusOr<std::unique_ptr<Conn>>()>;

  class Lease {
   public:
    Lease(ConnectionPool* pool, std::unique_ptr<Conn> conn) : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&& other) noexcept
        : pool_(std::exchange(other.pool_, nullptr)),
          conn_(std::move(other.conn_)),
          broken_(other.broken_) {}
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() {
      if (pool_ != nullptr && conn_ != nullptr) pool_->Release(std::move(conn_), broken_);
    }

    Conn& operator*() const { return *conn_; }
    Conn* operator->() const { return conn_.get(); }
    // The connection is closed instead of going back to the pool.
    void MarkBroken() { broken_ = true; }

   private:
    ConnectionPool* pool_;
    std::unique_ptr<Conn> conn_;
    bool broken_ = false;
  };

  // REQUIRES: max_size >= 1
  ConnectionPool(int max_size, Factory factory)
      : max_size_(max_size), factory_(std::move(factory)) {}
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // Adds an already open connection (for example the one opened to validate a URL).
  void AddIdle(std::unique_ptr<Conn> conn) {
    std::lock_guard<std::mutex> lock(mu_);
    idle_.push_back(std::move(conn));
    ++open_;
    cv_.notify_one();
  }

  // Returns a connection, opening one if none is idle and the pool is not full, or waiting
  // for one to come back otherwise. Fails only when opening a connection fails.
  StatusOr<Lease> Acquire() {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return !idle_.empty() || open_ < max_size_; });
      if (!idle_.empty()) {
        std::unique_ptr<Conn> conn = std::move(idle_.back());
        idle_.pop_back();
        return Lease(this, std::move(conn));
      }
      ++open_;  // Reserve the slot while connecting outside the lock.
    }
    StatusOr<std::unique_ptr<Conn>> conn = factory_();
    if (!conn.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      --open_;
      cv_.notify_one();
      return conn.status();
    }
    return Lease(this, std::move(conn).value());
  }

 private:
  void Release(std::unique_ptr<Conn> conn, bool broken) {
    std::unique_ptr<Conn> to_close;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (broken) {
        to_close = std::move(conn);
        --open_;
      } else {
        idle_.push_back(std::move(conn));
      }
      cv_.notify_one();
    }
    // `to_close` is closed here, outside the lock.
  }

  const int max_size_;
  const Factory factory_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Conn>> idle_;  // GUARDED_BY(mu_)
  int open_ = 0;                             // GUARDED_BY(mu_): idle plus leased.
};

}  // namespace bulwark::store::internal
