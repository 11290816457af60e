# frozen_string_literal: true

require "mysql2"
require "json"
require_relative "shelf/version"

# Values kept in one MySQL table, each with an optional time to live. The table takes the
# database's character set, which has to be utf8mb4 for anything a user types to fit.
module Shelf
  class Store
    TABLE = "shelf_entries"

    def initialize(client)
      @client = client
    end

    def self.connect(host:, port:, username:, password:, database:)
      new(Mysql2::Client.new(host: host, port: port, username: username, password: password,
                              database: database, encoding: "utf8mb4"))
    end

    def create_table
      @client.query(<<~SQL)
        CREATE TABLE IF NOT EXISTS #{TABLE} (
          name VARCHAR(191) NOT NULL PRIMARY KEY,
          value JSON NOT NULL,
          expires_at DATETIME(3) NULL
        )
      SQL
    end

    def put(name, value, ttl: nil)
      statement = @client.prepare(<<~SQL)
        INSERT INTO #{TABLE} (name, value, expires_at)
        VALUES (?, ?, IF(? IS NULL, NULL, NOW(3) + INTERVAL ? SECOND))
        ON DUPLICATE KEY UPDATE value = VALUES(value), expires_at = VALUES(expires_at)
      SQL
      statement.execute(name, JSON.generate(value), ttl, ttl)
    end

    def get(name)
      statement = @client.prepare(
        "SELECT value FROM #{TABLE} WHERE name = ? AND (expires_at IS NULL OR expires_at > NOW(3))"
      )
      row = statement.execute(name).first
      row && JSON.parse(row["value"])
    end

    def delete_expired
      @client.query("DELETE FROM #{TABLE} WHERE expires_at IS NOT NULL AND expires_at <= NOW(3)")
      @client.affected_rows
    end

    def close
      @client.close
    end
  end
end
