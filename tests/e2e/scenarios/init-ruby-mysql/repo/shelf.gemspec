# frozen_string_literal: true

require_relative "lib/shelf/version"

Gem::Specification.new do |spec|
  spec.name = "shelf"
  spec.version = Shelf::VERSION
  spec.summary = "A small expiring key-value store kept in a MySQL table"
  spec.authors = ["Shelf contributors"]
  spec.license = "MIT"
  spec.files = Dir["lib/**/*.rb"]
  spec.required_ruby_version = ">= 3.0"

  spec.add_dependency "mysql2", "~> 0.5"
  spec.add_development_dependency "minitest", "~> 5.15"
  spec.add_development_dependency "rake", ">= 13"
end
