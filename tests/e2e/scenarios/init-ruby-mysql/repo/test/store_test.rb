# frozen_string_literal: true

require "test_helper"

class StoreTest < Minitest::Test
  def setup
    @settings = ShelfTestDatabase.settings
    @store = Shelf::Store.connect(**@settings)
    @store.create_table
    @raw = Mysql2::Client.new(**@settings, encoding: "utf8mb4")
    @raw.query("DELETE FROM #{Shelf::Store::TABLE}")
  end

  def teardown
    @raw&.close
    @store&.close
  end

  def test_connects_as_the_ci_user_to_its_database
    row = @raw.query("SELECT SUBSTRING_INDEX(CURRENT_USER(), '@', 1) AS user, DATABASE() AS db").first
    assert_equal @settings[:username], row["user"]
    assert_equal "shelf_test", row["db"]
  end

  def test_round_trips_text_beyond_the_basic_plane
    value = { "greeting" => "Grüße 👋 from 東京", "tags" => ["🍣", "ñ"] }
    @store.put("welcome:🎌", value)
    assert_equal value, @store.get("welcome:🎌")
    stored = @raw.query("SELECT CHAR_LENGTH(name) AS chars, OCTET_LENGTH(name) AS bytes FROM #{Shelf::Store::TABLE}").first
    assert_equal [9, 12], [stored["chars"], stored["bytes"]], "the flag is one character of four bytes"
  end

  def test_expired_values_are_gone
    @store.put("short", 1, ttl: 0)
    @store.put("long", 2, ttl: 60)
    sleep 0.01
    assert_nil @store.get("short")
    assert_equal 2, @store.get("long")
    assert_equal 1, @store.delete_expired
  end
end
