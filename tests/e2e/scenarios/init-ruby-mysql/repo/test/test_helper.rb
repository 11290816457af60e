# frozen_string_literal: true

require "minitest/autorun"
require "shelf"

# The database CI gives the tests: a MySQL service with its own user and database.
module ShelfTestDatabase
  def self.settings
    missing = %w[SHELF_DB_HOST SHELF_DB_USER SHELF_DB_PASSWORD SHELF_DB_NAME].reject { |v| ENV[v] }
    raise "not set: #{missing.join(', ')} (the tests need the database CI provides)" unless missing.empty?

    {
      host: ENV.fetch("SHELF_DB_HOST"),
      port: Integer(ENV.fetch("SHELF_DB_PORT", "3306")),
      username: ENV.fetch("SHELF_DB_USER"),
      password: ENV.fetch("SHELF_DB_PASSWORD"),
      database: ENV.fetch("SHELF_DB_NAME"),
    }
  end
end
